"""Organization.email_aliases become InboundAddress rows (issue 13: one source of truth).

Runs before accounts 0005 drops the JSON field. An alias already routed as an address is
left as that route (it was already the one mail followed: routes were matched first).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Organization = apps.get_model("accounts", "Organization")
    InboundAddress = apps.get_model("intake", "InboundAddress")
    taken = set(InboundAddress.objects.values_list("address", flat=True))
    for org in Organization.objects.exclude(email_aliases=[]).order_by("id"):
        for alias in org.email_aliases or []:
            address = str(alias).strip().lower()
            if address and "@" in address and address not in taken:
                InboundAddress.objects.create(address=address, organization=org, kind="customer")
                taken.add(address)


def backwards(apps, schema_editor):
    Organization = apps.get_model("accounts", "Organization")
    InboundAddress = apps.get_model("intake", "InboundAddress")
    for org in Organization.objects.all():
        org.email_aliases = sorted(
            InboundAddress.objects.filter(organization=org, kind="customer").values_list(
                "address", flat=True
            )
        )
        org.save(update_fields=["email_aliases"])


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0003_email_authentication"),
        ("accounts", "0002_actions_team_targets"),
    ]
    run_before = [("accounts", "0005_aliases_are_intake_routes")]

    operations = [migrations.RunPython(forwards, backwards)]
