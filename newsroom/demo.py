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


# The recent news: about forty entries written for this demo (original text, invented events in
# invented places), dated by how many days before the day `load_demo` runs. Each cites at least
# one article from an outlet of the directory (sources/data/outlets.csv); the article addresses
# are invented too, on the outlets' real domains, so each is credited by its outlet's name.
# A few stories run over several days; some entries carry reader comments, approved or waiting
# for the moderator.
VALDORA = "Valdoran general election"
FLOODS = "Kestrel River floods"
STRIKE = "Northline rail strike"
ORBIS = "Orbis-3 lunar mission"

# How the desk has set up each story: status, category (the Portal's) and the summary readers see
# first on the story page (Markdown). Key events are the entries marked "key": True below.
STORIES: dict[str, dict[str, str]] = {
    VALDORA: {
        "status": "developing",
        "category": "politics",
        "summary": "Valdora votes in a snap general election called after Prime Minister Ilse "
        "Marten lost a confidence vote by two seats. The opposition **Civic Alliance** leads "
        "the polls; results are expected through the night.",
    },
    FLOODS: {
        "status": "developing",
        "category": "disasters",
        "summary": "The Kestrel River burst its banks after a week of rain. Millford was "
        "evacuated; residents are returning as the water recedes.",
    },
    STRIKE: {
        "status": "ongoing",
        "category": "business",
        "summary": "Northline rail workers strike over pay and staffing; talks between the "
        "union and the operator continue.",
    },
    ORBIS: {
        "status": "ongoing",
        "category": "science",
        "summary": "Orbis-3, the first crewed lunar mission in decades, from launch to landing.",
    },
}

APPROVED, PENDING = "approved", "pending"

RECENT: list[dict[str, Any]] = [
    {
        "days_ago": 9,
        "hour": 7,
        "slug": "valdora-calls-snap-general-election",
        "headline": "Valdora's prime minister calls a snap general election for next week after "
        "losing a confidence vote by two seats.",
        "body": "Prime Minister Ilse Marten asked the president to dissolve parliament hours after "
        "the vote. The opposition Civic Alliance had tabled the motion over a stalled pension "
        "reform.",
        "tags": ["Valdora", "elections"],
        "story": VALDORA,
        "key": True,
        "sources": [
            (
                "https://www.reuters.com/world/europe/valdora-pm-calls-snap-election",
                "Valdora PM calls snap vote after losing confidence motion",
            ),
            (
                "https://www.politico.eu/article/valdora-confidence-vote-marten",
                "Marten falls short by two votes as Valdora heads to the polls",
            ),
        ],
        "comments": [
            ("Tomas", "A week is very little time for the smaller parties to campaign.", APPROVED),
        ],
    },
    {
        "days_ago": 9,
        "hour": 11,
        "slug": "port-merrow-opens-tidal-energy-array",
        "headline": "Port Merrow switches on a 40-turbine tidal energy array, the largest in the "
        "region, enough to power about 60,000 homes.",
        "body": "The array sits on the seabed two kilometres offshore. Engineers will watch its "
        "effect on fish and seal populations for three years.",
        "tags": ["energy", "Port Merrow", "climate"],
        "sources": [
            (
                "https://www.theguardian.com/environment/port-merrow-tidal-array-opens",
                "Tidal power array opens off Port Merrow",
            ),
        ],
    },
    {
        "days_ago": 9,
        "hour": 16,
        "slug": "halbrook-court-upholds-ban-on-facial-recognition",
        "headline": "Halbrook's high court upholds the city's ban on police use of live facial "
        "recognition cameras.",
        "tags": ["Halbrook", "courts", "technology", "human rights"],
        "sources": [
            (
                "https://www.bbc.co.uk/news/technology-halbrook-facial-recognition-ruling",
                "Court backs Halbrook ban on live facial recognition",
            ),
            (
                "https://www.wired.com/story/halbrook-facial-recognition-ban-court",
                "A city's face-scanning ban survives its first legal test",
            ),
        ],
    },
    {
        "days_ago": 8,
        "hour": 6,
        "slug": "northline-rail-workers-vote-to-strike",
        "headline": "Northline rail workers vote by 78% to strike over staffing on night trains.",
        "body": "The drivers' union says the first walkout could come within a week unless "
        "talks resume.",
        "tags": ["rail", "strikes", "labour"],
        "story": STRIKE,
        "key": True,
        "sources": [
            (
                "https://www.independent.co.uk/news/northline-rail-strike-ballot",
                "Northline staff back strike action in ballot",
            ),
        ],
        "comments": [
            (
                "Priya",
                "Night trains are how I get home from my shift. I hope they settle.",
                APPROVED,
            ),
        ],
    },
    {
        "days_ago": 8,
        "hour": 13,
        "slug": "meridian-space-agency-sets-orbis-3-launch-date",
        "headline": "The Meridian Space Agency sets the launch of its Orbis-3 lunar lander for "
        "next week, weather permitting.",
        "tags": ["space", "science"],
        "story": ORBIS,
        "sources": [
            (
                "https://www.nature.com/articles/orbis-3-lander-launch-window",
                "Orbis-3 lander gets its launch window",
            ),
            (
                "https://arstechnica.com/space/orbis-3-launch-date-set",
                "Meridian's Orbis-3 is go for launch next week",
            ),
        ],
    },
    {
        "days_ago": 8,
        "hour": 17,
        "slug": "central-bank-of-valdora-holds-rates",
        "headline": "The Central Bank of Valdora holds its main interest rate at 3.25%, citing "
        "uncertainty before the election.",
        "tags": ["Valdora", "economy"],
        "sources": [
            (
                "https://www.ft.com/content/valdora-central-bank-holds-rates",
                "Valdora's central bank stands pat ahead of election",
            ),
        ],
    },
    {
        "days_ago": 7,
        "hour": 9,
        "slug": "valdora-election-debate-centres-on-pensions",
        "headline": "Valdora's first televised election debate centres on pensions and the cost "
        "of housing.",
        "tags": ["Valdora", "elections"],
        "story": VALDORA,
        "sources": [
            (
                "https://www.dw.com/en/valdora-election-debate-pensions-housing",
                "Pensions dominate Valdora's first campaign debate",
            ),
        ],
        "comments": [
            ("Greta", "Nobody asked about rents in the smaller towns.", APPROVED),
            ("Jonas", "The moderator let Marten talk far longer than the others.", PENDING),
        ],
    },
    {
        "days_ago": 7,
        "hour": 12,
        "slug": "kestrel-river-flood-warning-issued",
        "headline": "Forecasters issue a severe flood warning for the Kestrel River valley as "
        "three days of heavy rain are expected.",
        "tags": ["floods", "weather", "Kestrel River"],
        "story": FLOODS,
        "key": True,
        "sources": [
            (
                "https://www.bbc.co.uk/news/uk-kestrel-river-flood-warning",
                "Severe flood warning for Kestrel valley",
            ),
        ],
    },
    {
        "days_ago": 7,
        "hour": 15,
        "slug": "study-links-school-gardens-to-better-diets",
        "headline": "A four-year study of 120 primary schools finds that pupils who tend a school "
        "garden eat more vegetables at home.",
        "tags": ["health", "education", "science"],
        "sources": [
            (
                "https://www.bmj.com/content/school-gardens-diet-study",
                "School gardens and children's diets: a cluster trial",
            ),
            (
                "https://www.npr.org/sections/health/school-gardens-vegetables-study",
                "Kids who garden at school eat more greens at home, study finds",
            ),
        ],
    },
    {
        "days_ago": 6,
        "hour": 8,
        "slug": "kestrel-river-bursts-its-banks-at-millford",
        "headline": "The Kestrel River bursts its banks at Millford; 1,200 residents are moved to "
        "emergency shelters overnight.",
        "body": "Fire crews used boats to reach homes on the low-lying east bank. No injuries "
        "were reported.",
        "tags": ["floods", "Kestrel River"],
        "story": FLOODS,
        "sources": [
            (
                "https://news.sky.com/story/kestrel-river-millford-evacuation",
                "Hundreds evacuated as Kestrel floods Millford",
            ),
            (
                "https://www.theguardian.com/uk-news/kestrel-river-millford-flooding",
                "Millford residents spend night in shelters as river rises",
            ),
        ],
        "comments": [
            (
                "Sam",
                "The shelter at the sports hall was well run. Thanks to the volunteers.",
                APPROVED,
            ),
            ("Alex", "Why were the flood gates not closed earlier?", APPROVED),
        ],
    },
    {
        "days_ago": 6,
        "hour": 14,
        "slug": "aventa-talks-agree-plastic-treaty-text",
        "headline": "Negotiators meeting in Aventa agree the draft text of a treaty limiting "
        "single-use plastic packaging.",
        "tags": ["climate", "environment", "treaties"],
        "sources": [
            (
                "https://www.aljazeera.com/news/aventa-plastics-treaty-draft",
                "Draft plastics treaty agreed in Aventa talks",
            ),
        ],
    },
    {
        "days_ago": 6,
        "hour": 18,
        "slug": "halbrook-united-win-cup-final",
        "headline": "Halbrook United win the national cup final 2–1 with a goal in the last "
        "minute of extra time.",
        "tags": ["sport", "football", "Halbrook"],
        "sources": [
            (
                "https://www.espn.com/soccer/report/halbrook-united-cup-final",
                "Late winner gives Halbrook United the cup",
            ),
        ],
        "comments": [
            ("Dee", "What a finish. Thirty years of waiting!", APPROVED),
        ],
    },
    {
        "days_ago": 5,
        "hour": 7,
        "slug": "northline-strike-halts-night-services",
        "headline": "The first Northline strike halts all night services; daytime trains run at "
        "half frequency.",
        "tags": ["rail", "strikes", "labour"],
        "story": STRIKE,
        "sources": [
            (
                "https://www.bbc.co.uk/news/business-northline-strike-day-one",
                "Northline night trains stop as strike begins",
            ),
        ],
    },
    {
        "days_ago": 5,
        "hour": 10,
        "slug": "kestrel-floods-reach-lower-valley",
        "headline": "Flood water reaches the lower Kestrel valley; the main road between Millford "
        "and Ashby is closed.",
        "tags": ["floods", "Kestrel River"],
        "story": FLOODS,
        "sources": [
            (
                "https://www.independent.co.uk/news/kestrel-floods-lower-valley-road-closed",
                "Kestrel flooding spreads downstream",
            ),
        ],
    },
    {
        "days_ago": 5,
        "hour": 15,
        "slug": "valdora-polls-show-tight-race",
        "headline": "Two polls put Valdora's governing party and the Civic Alliance within a point "
        "of each other.",
        "tags": ["Valdora", "elections"],
        "story": VALDORA,
        "sources": [
            (
                "https://www.economist.com/europe/valdora-election-polls",
                "Valdora's election is too close to call",
            ),
        ],
    },
    {
        "days_ago": 4,
        "hour": 9,
        "slug": "kestrel-river-begins-to-fall",
        "headline": "The Kestrel River begins to fall at Millford; residents are told it may be "
        "a week before they can return.",
        "tags": ["floods", "Kestrel River"],
        "story": FLOODS,
        "sources": [
            (
                "https://www.theguardian.com/uk-news/kestrel-river-level-falls",
                "Relief in Millford as Kestrel starts to recede",
            ),
        ],
        "comments": [
            ("Morgan", "Our street is still under half a metre of water.", APPROVED),
            ("Lee", "Is there a list of which schools are open on Monday?", PENDING),
        ],
    },
    {
        "days_ago": 4,
        "hour": 12,
        "slug": "orbis-3-launches-toward-the-moon",
        "headline": "Orbis-3 lifts off on schedule and begins its five-day journey to the Moon.",
        "tags": ["space", "science"],
        "story": ORBIS,
        "sources": [
            (
                "https://www.newscientist.com/article/orbis-3-launch",
                "Orbis-3 is on its way to the Moon",
            ),
            (
                "https://www.cnn.com/science/orbis-3-lunar-lander-launch",
                "Lunar lander Orbis-3 launches successfully",
            ),
        ],
        "comments": [
            (
                "Ravi",
                "Watched it live with my daughter. She wants to be an engineer now.",
                APPROVED,
            ),
        ],
    },
    {
        "days_ago": 4,
        "hour": 16,
        "slug": "port-merrow-hospital-opens-new-wing",
        "headline": "Port Merrow's general hospital opens a children's wing with 80 beds, "
        "shortening waits for surgery.",
        "tags": ["health", "Port Merrow"],
        "sources": [
            (
                "https://www.bbc.co.uk/news/health-port-merrow-childrens-wing",
                "New children's wing opens in Port Merrow",
            ),
        ],
    },
    {
        "days_ago": 3,
        "hour": 8,
        "slug": "valdora-votes",
        "headline": "Valdorans vote in a snap general election; turnout reaches 71% by early "
        "evening.",
        "tags": ["Valdora", "elections"],
        "story": VALDORA,
        "sources": [
            (
                "https://apnews.com/article/valdora-election-voting-turnout",
                "Valdorans turn out in large numbers for snap election",
            ),
            (
                "https://www.france24.com/en/europe/valdora-votes-snap-election",
                "Valdora votes in tight snap election",
            ),
        ],
    },
    {
        "days_ago": 3,
        "hour": 11,
        "slug": "northline-and-union-agree-to-talks",
        "headline": "Northline and the drivers' union agree to talks under an independent "
        "mediator; the second strike day is suspended.",
        "tags": ["rail", "strikes", "labour"],
        "story": STRIKE,
        "sources": [
            (
                "https://www.theguardian.com/business/northline-union-mediation",
                "Northline strike suspended as both sides agree to mediation",
            ),
        ],
    },
    {
        "days_ago": 3,
        "hour": 14,
        "slug": "aventa-museum-returns-bronze-figures",
        "headline": "The Aventa National Museum returns six bronze figures to the community they "
        "were taken from in 1902.",
        "tags": ["culture", "museums"],
        "sources": [
            (
                "https://www.nytimes.com/arts/design/aventa-museum-returns-bronzes",
                "A museum sends six bronzes home after 120 years",
            ),
        ],
    },
    {
        "days_ago": 3,
        "hour": 17,
        "slug": "software-flaw-delays-flights-across-region",
        "headline": "A software fault at the regional air traffic centre delays about 900 flights "
        "for up to four hours.",
        "tags": ["aviation", "technology"],
        "sources": [
            (
                "https://www.reuters.com/business/aerospace/air-traffic-software-fault-delays",
                "Air traffic software fault causes hours of delays",
            ),
            (
                "https://www.theverge.com/air-traffic-control-software-outage",
                "One bad file grounded hundreds of flights",
            ),
        ],
    },
    {
        "days_ago": 2,
        "hour": 7,
        "slug": "civic-alliance-wins-most-seats-in-valdora",
        "headline": "The Civic Alliance wins the most seats in Valdora's parliament but falls "
        "eleven short of a majority.",
        "tags": ["Valdora", "elections"],
        "story": VALDORA,
        "sources": [
            (
                "https://www.reuters.com/world/europe/valdora-election-results-civic-alliance",
                "Civic Alliance first in Valdora vote, short of majority",
            ),
            (
                "https://www.politico.eu/article/valdora-election-results",
                "Valdora's opposition wins, now needs partners",
            ),
        ],
        "comments": [
            ("Helena", "Coalition talks will take months, as usual.", APPROVED),
            ("Mark", "Eleven seats is a lot to find.", PENDING),
        ],
    },
    {
        "days_ago": 2,
        "hour": 10,
        "slug": "millford-residents-begin-to-return",
        "headline": "The first Millford residents return home as the Kestrel flood water "
        "recedes; the council opens a repair fund.",
        "tags": ["floods", "Kestrel River"],
        "story": FLOODS,
        "sources": [
            (
                "https://news.sky.com/story/millford-residents-return-after-floods",
                "Millford families return to flood-damaged homes",
            ),
        ],
        "comments": [
            ("Ana", "How do we apply to the repair fund? The council site does not say.", PENDING),
        ],
    },
    {
        "days_ago": 2,
        "hour": 13,
        "slug": "northline-mediation-ends-without-deal",
        "headline": "The first round of Northline mediation ends without a deal; talks will "
        "resume next week.",
        "tags": ["rail", "strikes", "labour"],
        "story": STRIKE,
        "sources": [
            (
                "https://www.independent.co.uk/news/northline-talks-no-deal",
                "No deal yet in Northline dispute",
            ),
        ],
    },
    {
        "days_ago": 2,
        "hour": 16,
        "slug": "record-heat-in-the-southern-provinces",
        "headline": "The southern provinces record their warmest autumn day on record at 31.4°C.",
        "tags": ["weather", "climate"],
        "sources": [
            (
                "https://www.carbonbrief.org/southern-provinces-autumn-heat-record",
                "Autumn heat record broken in the south",
            ),
        ],
    },
    {
        "days_ago": 1,
        "hour": 6,
        "slug": "orbis-3-enters-lunar-orbit",
        "headline": "Orbis-3 enters orbit around the Moon after a seven-minute engine burn.",
        "tags": ["space", "science"],
        "story": ORBIS,
        "sources": [
            (
                "https://www.nature.com/articles/orbis-3-lunar-orbit",
                "Orbis-3 captured into lunar orbit",
            ),
        ],
    },
    {
        "days_ago": 1,
        "hour": 9,
        "slug": "valdora-coalition-talks-begin",
        "headline": "The Civic Alliance opens coalition talks with the Greens and the Farmers' "
        "Party in Valdora.",
        "tags": ["Valdora", "elections"],
        "story": VALDORA,
        "sources": [
            (
                "https://www.dw.com/en/valdora-coalition-talks-begin",
                "Valdora's winners start talks on a three-party coalition",
            ),
        ],
    },
    {
        "days_ago": 1,
        "hour": 11,
        "slug": "halbrook-library-opens-overnight",
        "headline": "Halbrook's central library opens through the night for students during the "
        "exam season, a first for the city.",
        "tags": ["Halbrook", "education"],
        "sources": [
            (
                "https://www.theguardian.com/education/halbrook-library-overnight",
                "Halbrook library stays open all night for exam season",
            ),
        ],
        "comments": [
            ("Jo", "Great idea. Will there be buses back at 3 am?", PENDING),
        ],
    },
    {
        "days_ago": 1,
        "hour": 14,
        "slug": "unsc-meets-on-border-clashes",
        "headline": "The UN Security Council holds an emergency meeting on clashes along the "
        "Tarsen–Orava border that displaced 15,000 people.",
        "tags": [UNSC, "conflict", HR],
        "sources": [
            (
                "https://news.un.org/en/story/security-council-tarsen-orava-border",
                "Security Council hears briefing on Tarsen–Orava clashes",
            ),
            (
                "https://www.aljazeera.com/news/tarsen-orava-border-clashes-un",
                "UN meets as thousands flee Tarsen–Orava border fighting",
            ),
        ],
    },
    {
        "days_ago": 1,
        "hour": 17,
        "slug": "port-merrow-ferry-fares-cut",
        "headline": "Port Merrow cuts island ferry fares by a third for residents from next month.",
        "tags": ["Port Merrow", "transport"],
        "sources": [
            (
                "https://www.bbc.co.uk/news/uk-port-merrow-ferry-fares",
                "Island ferry fares cut for Port Merrow residents",
            ),
        ],
    },
    {
        "days_ago": 0,
        "hour": 6,
        "slug": "orbis-3-lands-near-the-lunar-south-pole",
        "headline": "Orbis-3 lands near the lunar south pole and sends its first pictures of the "
        "surface.",
        "body": "Mission control confirmed the landing after a twelve-minute descent. The lander "
        "will drill for ice over the next two weeks.",
        "tags": ["space", "science"],
        "story": ORBIS,
        "sources": [
            (
                "https://www.newscientist.com/article/orbis-3-lands-south-pole",
                "Orbis-3 touches down near the Moon's south pole",
            ),
            (
                "https://www.bbc.co.uk/news/science-environment-orbis-3-landing",
                "Orbis-3: Lander sends first images from the Moon",
            ),
        ],
        "comments": [
            ("Ravi", "Those first pictures are stunning.", APPROVED),
            ("Kim", "How deep can the drill go?", PENDING),
            ("Oli", "Congratulations to the whole team at Meridian.", PENDING),
        ],
    },
    {
        "days_ago": 0,
        "hour": 7,
        "slug": "northline-and-union-reach-agreement",
        "headline": "Northline and the drivers' union reach an agreement on night-train staffing; "
        "all strikes are called off.",
        "tags": ["rail", "strikes", "labour"],
        "story": STRIKE,
        "sources": [
            (
                "https://www.reuters.com/business/northline-union-deal",
                "Northline, union strike deal on night-train staffing",
            ),
        ],
        "comments": [
            ("Priya", "Finally. Thank you to everyone who kept talking.", PENDING),
        ],
    },
    {
        "days_ago": 0,
        "hour": 8,
        "slug": "valdora-coalition-deal-announced",
        "headline": "Valdora's Civic Alliance, Greens and Farmers' Party announce a coalition "
        "agreement; Lena Brandt will be prime minister.",
        "tags": ["Valdora", "elections"],
        "story": VALDORA,
        "sources": [
            (
                "https://www.ft.com/content/valdora-coalition-agreement-brandt",
                "Brandt to lead Valdora after three-party deal",
            ),
            (
                "https://www.euronews.com/valdora-coalition-deal",
                "Valdora gets a three-party government",
            ),
        ],
        "comments": [
            ("Greta", "Faster than anyone expected.", PENDING),
        ],
    },
    {
        "days_ago": 0,
        "hour": 9,
        "slug": "flood-defence-review-for-kestrel-valley",
        "headline": "The government orders an independent review of flood defences in the Kestrel "
        "valley.",
        "tags": ["floods", "Kestrel River"],
        "story": FLOODS,
        "sources": [
            (
                "https://www.theguardian.com/environment/kestrel-flood-defence-review",
                "Review ordered into Kestrel valley flood defences",
            ),
        ],
    },
    {
        "days_ago": 0,
        "hour": 10,
        "slug": "new-antibiotic-passes-early-trial",
        "headline": "A new class of antibiotic clears an early safety trial in 90 volunteers.",
        "tags": ["health", "science"],
        "sources": [
            (
                "https://www.statnews.com/new-antibiotic-phase-1-results",
                "New antibiotic class passes first human safety test",
            ),
        ],
    },
    {
        "days_ago": 0,
        "hour": 11,
        "slug": "halbrook-approves-car-free-centre",
        "headline": "Halbrook's council votes to close its old town to private cars from the "
        "spring.",
        "tags": ["Halbrook", "transport"],
        "sources": [
            (
                "https://www.bbc.co.uk/news/uk-halbrook-car-free-old-town",
                "Halbrook votes for a car-free old town",
            ),
        ],
    },
    {
        "days_ago": 0,
        "hour": 12,
        "slug": "aventa-treaty-signed-by-60-countries",
        "headline": "Sixty countries sign the Aventa plastics treaty on the day it opens for "
        "signature.",
        "tags": ["climate", "environment", "treaties"],
        "sources": [
            (
                "https://apnews.com/article/aventa-plastics-treaty-signed",
                "Sixty nations sign plastics treaty in Aventa",
            ),
        ],
    },
]

# One entry scheduled for the next morning: it goes live by itself.
SCHEDULED: dict[str, Any] = {
    "slug": "valdora-new-government-sworn-in",
    "headline": "Lena Brandt is sworn in as Valdora's prime minister at the head of a "
    "three-party government.",
    "tags": ["Valdora", "elections"],
    "story": VALDORA,
    "hour": 10,
    "sources": [
        (
            "https://www.reuters.com/world/europe/valdora-brandt-sworn-in",
            "Brandt sworn in as Valdora's prime minister",
        ),
    ],
}

# One correction, on a recent entry: the number of turbines was wrong.
CORRECTION: dict[str, Any] = {
    "slug": "port-merrow-opens-tidal-energy-array",
    "headline": "Port Merrow switches on a 36-turbine tidal energy array, the largest in the "
    "region, enough to power about 60,000 homes.",
    "note": "An earlier version of this entry said the array has 40 turbines. It has 36; four "
    "more are planned.",
}
