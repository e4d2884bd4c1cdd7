# Mastodon and Bluesky beside X: a Bluesky post's id is its AT URI, longer than X's ids, and a
# post whose worker died is checked on whichever network it went to.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("statuspage", "0016_incident_postmortem_draft"),
    ]

    operations = [
        migrations.AlterField(
            model_name="message",
            name="reply_to_id",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="message",
            name="remote_id",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="message",
            name="remote_url",
            field=models.URLField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="message",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be sent"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("skipped", "Skipped"),
                    ("unconfirmed", "Check on the network"),
                ],
                default="pending",
                max_length=12,
            ),
        ),
    ]
