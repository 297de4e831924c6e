"""Admin widgets whose markup needed fixing for assistive technology."""

from django.contrib.admin.widgets import AdminSplitDateTime


class LabelledSplitDateTime(AdminSplitDateTime):
    """Django's admin date and time boxes, each with a <label> ("Date:", "Time:").

    Django prints the two words as bare text, so screen readers announce two unlabelled text
    boxes (axe: "Form elements must have labels", critical). The field's own label names the
    group: Django renders a multi-part field in a <fieldset> with a <legend>.
    """

    template_name = "desk/widgets/split_datetime.html"
