"""Demo content, written for this repository from the reference samples.

- The 2014-02-19 entry (Botswana and North Korea) with its source, and the ten entries its
  "Related" list names: their dates and slugs come from the link paths, their headlines from the
  link texts, their tags from the `_Context:` lines.
- One entry for each event the four sample source articles report, each backed by its article:
  title, publisher, byline and date as the article prints them. Where an article does not print
  a field (a byline, a date), it is left empty rather than guessed. The samples carry no URLs;
  the one for The Independent is the article's own address, the others point at the publisher's
  own search for the article's exact title, so every link is real and credits the right domain.
"""

import datetime
from typing import Any
from urllib.parse import quote

D = datetime.date
NK, HR = "North Korea", "human rights"
UNSC = "United Nations Security Council"

PUBLISHERS = [
    {"name": "Global Post", "domain": "", "homepage": ""},
    {"name": "Al Jazeera", "domain": "aljazeera.com", "homepage": "https://www.aljazeera.com/"},
    {"name": "Voice of America", "domain": "voanews.com", "homepage": "https://www.voanews.com/"},
    {
        "name": "The Independent",
        "domain": "independent.co.uk",
        "homepage": "https://www.independent.co.uk/",
    },
]


def _search(base: str, title: str) -> str:
    return base + quote(title)


ENTRIES: list[dict[str, Any]] = [
    {
        "event_date": D(2014, 2, 19),
        "slug": "botswana-ends-diplomatic-relations",
        "headline": "Botswana ends diplomatic relations with North Korea following a UN report "
        "on the latter's human rights record.",
        "tags": [NK, HR],
        "sources": [
            {
                "url": "http://www.dailynk.com/english/read.php?num=11542&cataId=nk00100",
                "publisher": "Global Post",
            }
        ],
    },
    {
        "event_date": D(2016, 7, 28),
        "slug": "north-korea-united-states-relations-north-korea-says-the-united-states-has-"
        "crossed-the-red-line-in-our-showdown-after-placing-sanctions",
        "headline": "North Korea-United States relations. North Korea says the United States has "
        '"crossed the red line in our showdown" after placing sanctions on its leader Kim '
        'Jong-un over human rights abuses, and considers the sanctions to be a "declaration of '
        'war" by the United States.',
        "tags": [NK, HR],
    },
    {
        "event_date": D(2014, 12, 22),
        "slug": "human-rights-in-north-korea-eleven-11-of-15-united-nations-security-council-"
        "members-approve-placing-north-korea-s-human-rights-record-on",
        "headline": "Human rights in North Korea. Eleven (11) of 15 United Nations Security "
        "Council members approve placing North Korea's human rights record on the Council's "
        "agenda. Russia and China oppose the decision while Chad and Nigeria abstain. This is "
        "the first time this issue has been debated by the Security Council. Procedurally, once "
        "a topic makes the agenda, that issue can be brought up again at any time.",
        "tags": [NK, HR],
    },
    {
        "event_date": D(2013, 3, 22),
        "slug": "the-un-human-rights-council-has-set-up-an-inquiry-into-human-rights-abuses-in-"
        "north-korea-for-the-first-time",
        "headline": "The UN human rights council has set up an inquiry into human rights abuses "
        "in North Korea for the first time.",
        "tags": [NK, HR],
    },
    {
        "event_date": D(2012, 3, 12),
        "slug": "a-scuffle-breaks-out-at-the-united-nations-human-rights-council-after-a-north-"
        "korean-diplomat-said-a-u-n-report-on-the-human-rights-situati",
        "headline": "A scuffle breaks out at the United Nations Human Rights Council after a North "
        "Korean diplomat said a U.N. report on the human rights situation in the country had "
        'been "fabricated".',
        "tags": [NK, HR],
    },
    {
        "event_date": D(2009, 10, 23),
        "slug": "vitit-muntarbhorn-united-nations-special-rapporteur-for-north-korea-says-the-"
        "country-should-improve-its-abysmal-rights-record-adding-i",
        "headline": "Vitit Muntarbhorn, United Nations Special Rapporteur for North Korea, says "
        'the country should improve its "abysmal" rights record, adding it should provide food to '
        "over 8 million citizens.",
        "tags": [NK, HR],
    },
    {
        "event_date": D(2017, 8, 9),
        "slug": "crime-in-north-korea-north-korea-releases-imprisoned-canadian-pastor-hyeon-soo-"
        "lim-on-sick-bail",
        "headline": "Crime in North Korea. North Korea releases imprisoned Canadian pastor Hyeon "
        'Soo Lim on "sick bail."',
        "tags": [NK],
    },
    {
        "event_date": D(2017, 8, 5),
        "slug": "north-korea-and-the-united-nations-the-united-nations-security-council-votes-15-"
        "0-to-impose-sanctions-on-north-korea-for-its-intercontine",
        "headline": "North Korea and the United Nations. The United Nations Security Council votes "
        "15-0 to impose sanctions on North Korea for its intercontinental ballistic missile tests.",
        "tags": [NK],
    },
    {
        "event_date": D(2017, 8, 21),
        "slug": "north-korea-united-states-relations-in-a-video-interview-posted-on-the-state-run-"
        "website-uriminzokkiri-the-two-sons-of-james-joseph-dres",
        "headline": "North Korea-United States relations. In a video interview posted on the "
        "state-run website Uriminzokkiri, the two sons of James Joseph Dresnok (the last "
        "remaining American defector to North Korea) have confirmed that their father has died "
        "of a stroke last November 2016.",
        "tags": [NK],
    },
    {
        "event_date": D(2017, 8, 14),
        "slug": "2017-north-korea-crisis-the-international-institute-for-strategic-studies-"
        "releases-a-report-arguing-that-north-korea-has-acquired-a-high-pe",
        "headline": "2017 North Korea crisis. The International Institute for Strategic Studies "
        "releases a report arguing that North Korea has acquired a high-performance "
        "liquid-propellant engine for its missile program, probably from illicit networks in "
        "Russia and Ukraine, likely produced by Yuzhmash facilities. Ukraine denies the "
        "allegations.",
        "tags": [NK],
    },
    {
        "event_date": D(2017, 7, 4),
        "slug": "north-korea-and-weapons-of-mass-destruction-north-korea-test-launches-what-is-"
        "presumed-to-be-its-first-intercontinental-ballistic-missile-9",
        "headline": "North Korea and weapons of mass destruction. North Korea test-launches what "
        "is presumed to be its first intercontinental ballistic missile 933 kilometers into the "
        "Sea of Japan within Japan's Exclusive Economic Zone. An American expert theorizes the "
        "ICBM, which reached an altitude of 2,802 km, could potentially reach the U.S. state "
        "of Alaska.",
        "tags": [NK],
    },
    # The events the four sample articles report.
    {
        "event_date": D(2014, 4, 17),
        "slug": "un-security-council-members-hold-first-discussion-of-north-korean-human-rights",
        "headline": "The United States, Australia and France convene the first-ever discussion by "
        "UN Security Council members of the human rights situation in North Korea.",
        "tags": [NK, HR, UNSC],
        "body": "The meeting follows the report of the UN Commission of Inquiry on human rights "
        "in the DPRK and a Human Rights Council resolution in March condemning the abuses.",
        "sources": [
            {
                "url": _search(
                    "https://www.voanews.com/s?k=",
                    "Focusing on North Korea's Human Rights Violations",
                ),
                "title": "Focusing on North Korea's Human Rights Violations",
                "publisher": "Voice of America",
                "excerpt": "The Commission of Inquiry found compelling evidence that the human "
                "rights situation in the DPRK is one of the world’s worst.",
            }
        ],
    },
    {
        "event_date": D(2019, 12, 4),
        "slug": "north-korea-warns-un-security-council-against-discussing-its-human-rights",
        "headline": "North Korea warns the UN Security Council that any discussion of its human "
        'rights situation would be a "serious provocation" and that it would "respond '
        'strongly".',
        "tags": [NK, HR, UNSC],
        "sources": [
            {
                "url": _search(
                    "https://www.aljazeera.com/search/",
                    "North Korea warns UN on discussing country’s human rights",
                ),
                "title": "North Korea warns UN on discussing country’s human rights",
                "publisher": "Al Jazeera",
                "excerpt": "The United States and those countries on board shall bear full "
                "responsibility.",
            }
        ],
    },
    {
        "event_date": D(2019, 12, 10),
        "slug": "united-states-blocks-un-security-council-meeting-on-north-korean-human-rights",
        "headline": "The United States declines to back a UN Security Council meeting on North "
        "Korea's human rights abuses on Human Rights Day, blocking it for a second year in a row.",
        "tags": [NK, HR, UNSC, "United States"],
        "sources": [
            {
                "url": "https://www.independent.co.uk/news/world/americas/"
                "trump-united-nations-north-korea-human-rights-record-un-a9241856.html",
                "title": "Trump blocks UN from scrutinising North Korea human rights record for "
                "second year in a row",
                "publisher": "The Independent",
                "byline": "Kate Ng",
                "published_on": D(2019, 12, 11),
            }
        ],
    },
    {
        "event_date": D(2020, 12, 11),
        "slug": "un-security-council-members-raise-north-korean-human-rights-in-closed-meeting",
        "headline": "The United States, Britain, France, Germany, Belgium, the Dominican Republic "
        "and Estonia raise North Korea's human rights abuses at a closed-door UN Security "
        "Council meeting after Russia and China object to a public briefing.",
        "tags": [NK, HR, UNSC, "United States"],
        "sources": [
            {
                "url": _search(
                    "https://www.voanews.com/s?k=",
                    "US, Allies to Raise Human Rights in North Korea at UN Security Council",
                ),
                "title": "US, Allies to Raise Human Rights in North Korea at UN Security Council",
                "publisher": "Voice of America",
                "byline": "Reuters",
                "published_on": D(2020, 12, 11),
            }
        ],
    },
]
