"""Blocks stored before addresses were compared per provider rule (Gmail's dots, googlemail.com,
quoted local parts, IDNA domains) and IP blocks typed in another spelling are stored the way
senders are now compared; a block that becomes a duplicate of another is removed (the older one
stays)."""

from django.db import migrations


def normalize(apps, schema_editor):
    from comments.models import normalize_email
    from newsroom.clients import parse_address

    rules = {"email": normalize_email, "ip": lambda value: parse_address(value) or value}
    Block = apps.get_model("comments", "Block")
    keep = {}
    for block in Block.objects.order_by("created", "id"):
        value = rules.get(block.kind, lambda v: v)(block.value)
        keep.setdefault((block.kind, value), []).append(block)
    # Duplicates go first, so no update collides with a row still holding its new value.
    for blocks in keep.values():
        Block.objects.filter(pk__in=[b.pk for b in blocks[1:]]).delete()
    for (_, value), blocks in keep.items():
        if blocks[0].value != value:
            Block.objects.filter(pk=blocks[0].pk).update(value=value)

class Migration(migrations.Migration):
    dependencies = [("comments", "0004_normalize_block_emails")]

    operations = [migrations.RunPython(normalize, migrations.RunPython.noop)]
