# The management API's postmortems: a draft readers do not see, published or taken back.

import markdownx.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("statuspage", "0015_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="postmortem_draft",
            field=markdownx.models.MarkdownxField(blank=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="postmortem_draft_updated_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="postmortem_published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
