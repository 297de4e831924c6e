"""Blocked emails stored before plus-addressing was dropped are normalised the new way; a block
that becomes a duplicate of another is removed (the older one stays)."""

from django.db import migrations


def normalize(apps, schema_editor):
    from comments.models import normalize_email

    Block = apps.get_model("comments", "Block")
    seen = set(Block.objects.filter(kind="email").exclude(value__contains="+").values_list("value", flat=True))
    for block in Block.objects.filter(kind="email", value__contains="+").order_by("created", "id"):
        value = normalize_email(block.value)
        if value in seen:
            block.delete()
        else:
            seen.add(value)
            Block.objects.filter(pk=block.pk).update(value=value)


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_moderators_group")]

    operations = [migrations.RunPython(normalize, migrations.RunPython.noop)]
