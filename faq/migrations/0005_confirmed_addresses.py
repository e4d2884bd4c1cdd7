from django.db import migrations, models
from django.utils import timezone


def staff_addresses_are_confirmed(apps, schema_editor):
    """Staff accounts are made by staff, with addresses they know; customers' are asked to
    confirm theirs (a link is sent again when they next comment)."""
    Profile = apps.get_model("faq", "Profile")
    Profile.objects.filter(user__is_staff=True).update(email_confirmed_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("faq", "0004_comment_thread_position"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="email_confirmed_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When its owner confirmed the address; nothing is e-mailed to it before.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="profile",
            name="email_confirmation_sent_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(staff_addresses_are_confirmed, migrations.RunPython.noop),
    ]
