from django.db import migrations, models


class Migration(migrations.Migration):
    """Staff confirm the name and role customers see on first use of the console. Nobody
    has yet: an account named by its sign-in name (“admin”) is asked like any other."""

    dependencies = [
        ("faq", "0005_confirmed_addresses"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="public_name_confirmed_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="Staff: when its owner confirmed the name and role customers see; no "
                "official reply goes out before.",
                null=True,
            ),
        ),
    ]
