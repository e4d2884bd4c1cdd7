"""The seed FAQ (dotMailer's planned downtime of 26 October 2013) as structured data.

Every sentence of the seed, kept in this repository as
``tests/fixtures/dotmailer-maintenance-faq-2013.txt``, is here (a test checks it):
prose in ``SECTIONS``, the numbered entries in ``ENTRIES`` (one-line summaries
and levels are ours, the details are the seed's words), the team and the
comment exchange. Images the seed names (screenshots, team photos) were not
supplied, so the error page is quoted as text and the team shows initials.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedSection:
    """A section of the FAQ; ``number`` None for the unnumbered ones."""

    position: int
    number: int | None
    heading: str
    kind: str
    body: str


@dataclass(frozen=True)
class SeedEntry:
    """A numbered impact entry: ``section``.``number`` (“2.2”) about a subject or service."""

    section: int
    number: int
    subject: str
    service: str
    level: str
    summary: str
    details: str
    advice: str = ""
    afterwards: str = ""


SERVICE_GROUPS = [
    ("Email marketing", ["dotMailer application", "dotMailer API", "Facebook application"]),
    ("Surveys and insight", ["dotSurvey", "Lead Vision"]),
    ("Agency platforms", ["dotCommerce", "dotEditor"]),
    ("Community", ["Support forums"]),
]

SERVICE_DESCRIPTIONS = {
    "dotMailer application": "Log in, build and send campaigns, manage contacts.",
    "dotMailer API": "Programmatic access to accounts, contacts and campaigns.",
    "Facebook application": "Sign-up forms and campaigns inside Facebook.",
    "dotSurvey": "Surveys and forms; shares log-in details with dotMailer.",
    "Lead Vision": "See which companies visit your website.",
    "dotCommerce": "Enterprise shops built by our agency team.",
    "dotEditor": "Websites built on our CMS platform.",
    "Support forums": "Community forums for dotMailer and dotSurvey.",
}

WINDOW = {
    "title": "Database upgrade: dotMailer downtime",
    "summary": (
        "We are upgrading our database software. dotMailer, its API, dotSurvey and the "
        "Facebook application will be unavailable for up to four hours."
    ),
    "time_zone": "Europe/London",
    "time_zone_label": "UK time",
    "hashtag": "#dMmaint",
    "services": [
        "dotMailer application",
        "dotMailer API",
        "dotSurvey",
        "Facebook application",
        "Support forums",
    ],
}

FAQ_TITLE = "FAQ: Planned dotMailer downtime — Saturday 26 October 2013"

INTRODUCTION = (
    "This FAQ contains important information about planned upgrade work which will result "
    "in dotMailer downtime with impact on your contacts."
)

MAINTENANCE_ERROR = (
    "> **Down for planned maintenance**  \n"
    "> Our technology partners are currently working on planned system enhancements. "
    "Please bear with us and try again in a few hours."
)

SEE_2_2 = (
    "Users will see the error message detailed above (see [2.2. Links in emails](#entry-2-2))."
)

SECTIONS = [
    SeedSection(
        position=1,
        number=None,
        heading="What is happening?",
        kind="prose",
        body=(
            "On Saturday 26 October 2013 we will be performing some system upgrades (upgrading "
            "our database software) which will result in our database and services being "
            "unavailable for up to four hours between 11am and 3pm UK time (10:00 – 14:00 UTC)."
        ),
    ),
    SeedSection(
        position=2,
        number=None,
        heading="Why do I need to know?",
        kind="prose",
        body=(
            "During this time many of our services will be unavailable – most notably the "
            "following:\n\n"
            # The seed's list was lost in its copy; these are the services its section 1
            # says will be unavailable.
            "- [dotMailer](#entry-1-1)\n- [dotMailer API](#entry-1-2)\n"
            "- [dotSurvey](#entry-1-3)\n- [Facebook application](#entry-1-6)\n\n"
            "More detail is given below later in this FAQ."
        ),
    ),
    SeedSection(
        position=3,
        number=None,
        heading="What do I need to do?",
        kind="checklist",
        body=(
            "- Please read this FAQ thoroughly.\n"
            "- Take this upgrade into account when planning your campaigns for the next couple "
            "of weeks. It may be advisable to reschedule campaigns, or to disable tracking, to "
            "avoid clicks on broken links during the system downtime."
        ),
    ),
    SeedSection(
        position=4,
        number=1,
        heading="How will my access to services be affected?",
        kind="impact",
        body="",
    ),
    SeedSection(
        position=5,
        number=2,
        heading="How will my contacts and campaigns be affected?",
        kind="impact",
        body="",
    ),
    SeedSection(
        position=6,
        number=3,
        heading="What will be the effect on reporting data?",
        kind="impact",
        body="For a period of the upgrade work no tracking data will be recorded.",
    ),
    SeedSection(
        position=7,
        number=4,
        heading="What differences will I see?",
        kind="prose",
        body=(
            "Nothing. Really, after all that, nothing.\n\n"
            "Okay then – we’re upgrading our setup and many aspects of the system will run "
            "faster. In normal day-to-day use, you won’t see any change. These improvements "
            "will, however, make way for a number of data intensive features such as "
            "benchmarking statistics, improved data segmentation, searching and data mining.\n\n"
            "All data and features will, after the upgrade, be in the same condition as before "
            "but on better underlying technology."
        ),
    ),
    SeedSection(
        position=8,
        number=5,
        heading="You’ve said four hours, do you really mean it?",
        kind="prose",
        body=(
            "We will be working to keep the actual downtime to an absolute minimum. You should, "
            "however, plan for four hours downtime."
        ),
    ),
    SeedSection(
        position=9,
        number=6,
        heading="What are the plans if something doesn’t go as expected?",
        kind="prose",
        body=(
            "We have been running a series of tests on the new hardware and project and will "
            "continue to run tests up to and after the upgrade on 26th October; should there be "
            "any unexpected events which lead to us postponing the upgrade, we will always give "
            "you at least 14 days’ notice of the revised date.\n\n"
            "We have set a limit of four hours on the day of the actual upgrade; if there are any "
            "problems with the new system that arise on the day that cannot be resolved within "
            "the four hour window, then we will revert to the old setup. No data will be lost "
            "and we will restore the system to its state before the upgrade began."
        ),
    ),
    SeedSection(
        position=10,
        number=7,
        heading="How can I find out more information?",
        kind="prose",
        body=(
            "If we have any further information to share before the upgrade takes place, then "
            "these will be announced in our user forum.\n\n"
            "You will be able to follow our progress on the day on our Twitter feed. We will (as "
            "usual) be using the hashtag #dMmaint if you wish to filter for just our maintenance "
            "tweets."
        ),
    ),
    SeedSection(
        position=11,
        number=8,
        heading="Who will be doing this upgrade work?",
        kind="team",
        body="The crack team (fuelled by tea and burritos) performing this operation will include:",
    ),
]

ENTRIES = [
    SeedEntry(
        section=1,
        number=1,
        subject="dotMailer",
        service="dotMailer application",
        level="unavailable",
        summary="Completely unavailable; you cannot log in.",
        details=(
            "During this period the dotMailer application will be completely unavailable; you "
            "will not be able to log in to the service."
        ),
    ),
    SeedEntry(
        section=1,
        number=2,
        subject="dotMailer API",
        service="dotMailer API",
        level="unavailable",
        summary="Unavailable.",
        details="The dotMailer API will be unavailable during this upgrade work.",
    ),
    SeedEntry(
        section=1,
        number=3,
        subject="dotSurvey",
        service="dotSurvey",
        level="unavailable",
        summary="Unavailable; it shares log-in details with dotMailer.",
        details=(
            "dotSurvey will be unavailable during this upgrade work.\n\n"
            "While dotSurvey operates on a different database; login credentials are shared "
            "with dotMailer."
        ),
    ),
    SeedEntry(
        section=1,
        number=4,
        subject="Lead Vision",
        service="Lead Vision",
        level="unaffected",
        summary="Not affected.",
        details="Lead Vision will not be affected by this upgrade work.",
    ),
    SeedEntry(
        section=1,
        number=5,
        subject="Support forums",
        service="Support forums",
        level="degraded",
        summary="Online, but you may not be able to log in.",
        details=(
            "Our support forums for dotMailer and dotSurvey will be online during the system "
            "downtime. It may not be possible to log in to the support forums."
        ),
    ),
    SeedEntry(
        section=1,
        number=6,
        subject="Facebook application",
        service="Facebook application",
        level="unavailable",
        summary="Not accessible.",
        details="The Facebook application will not be accessible during this upgrade work.",
    ),
    SeedEntry(
        section=1,
        number=7,
        subject="dotCommerce",
        service="dotCommerce",
        level="unaffected",
        summary="Unaffected, except where integrated with dotMailer.",
        details=(
            "Shops built by our agency team using our enterprise level dotCommerce platform will "
            "be unaffected by this upgrade (except where there is integration to dotMailer)."
        ),
    ),
    SeedEntry(
        section=1,
        number=8,
        subject="dotEditor",
        service="dotEditor",
        level="unaffected",
        summary="Unaffected, except where integrated with dotMailer.",
        details=(
            "Websites built using dotEditor, our CMS platform, will be unaffected by this "
            "upgrade (except where there is integration to dotMailer)."
        ),
    ),
    SeedEntry(
        section=2,
        number=1,
        subject="Emails content and rendering",
        service="dotMailer application",
        level="unaffected",
        summary="Sent campaigns stay readable; images display as normal.",
        details=(
            "Campaigns that have already been sent to your contacts will continue to be "
            "readable. Images will download and will be displayed as normal."
        ),
    ),
    SeedEntry(
        section=2,
        number=2,
        subject="Links in emails",
        service="dotMailer application",
        level="unavailable",
        summary="Tracked links show a maintenance error; untracked links still work.",
        details=(
            "For a period during the system upgrade, links in emails will cause an error.\n\n"
            "The following error will be displayed:\n\n" + MAINTENANCE_ERROR + "\n\n"
            "Links which are set to “do not track” will be unaffected – these will link "
            "straight through to the link specified."
        ),
        advice=(
            "If you have campaigns with critical links that must work during this period, it may "
            "be advisable to remove tracking from these links."
        ),
    ),
    SeedEntry(
        section=2,
        number=3,
        subject="Unsubscribe links",
        service="dotMailer application",
        level="unavailable",
        summary="Show the maintenance error.",
        details="Like other links, these will not be accessible during the system upgrade. "
        + SEE_2_2,
    ),
    SeedEntry(
        section=2,
        number=4,
        subject="Forward to a friend links",
        service="dotMailer application",
        level="unavailable",
        summary="Show the maintenance error.",
        details="Like other links, these will not be accessible during the system upgrade. "
        + SEE_2_2,
    ),
    SeedEntry(
        section=2,
        number=5,
        subject="“Can’t read / View in browser” links",
        service="dotMailer application",
        level="unavailable",
        summary="Show the maintenance error.",
        details="Like other links, these will not be accessible during the system upgrade. "
        + SEE_2_2,
    ),
    SeedEntry(
        section=2,
        number=6,
        subject="Sign up forms (including forms using the Facebook application)",
        service="dotMailer application",
        level="unavailable",
        summary="Do not work; visitors see the maintenance error.",
        details=(
            "Sign up forms to add new contacts to your address books will not work during this "
            "system upgrade. " + SEE_2_2
        ),
    ),
    SeedEntry(
        section=2,
        number=7,
        subject="Replies to campaigns",
        service="dotMailer application",
        level="delayed",
        summary="Still received; processed shortly after the window.",
        details=(
            "Replies to campaigns will continue to be received; these will be processed and "
            "available in your account shortly after the completion of the upgrade work."
        ),
        afterwards="Processed and available in your account shortly after the work completes.",
    ),
    SeedEntry(
        section=2,
        number=8,
        subject="Surveys",
        service="dotSurvey",
        level="partial",
        summary="Classic surveys unavailable; dotSurvey surveys keep collecting responses.",
        details=(
            "Surveys built using our classic survey tool will not be available during the "
            "upgrade work. " + SEE_2_2 + "\n\n"
            "Surveys built using dotSurvey will be available and will collect responses without "
            "interruption. Survey response data that would normally be written to dotMailer will "
            "remain in dotSurvey but will not be written to dotMailer. Users will see the error "
            "message detailed above."
        ),
    ),
    SeedEntry(
        section=2,
        number=9,
        subject="Microsites",
        service="dotMailer application",
        level="unavailable",
        summary="Not accessible; visitors see the maintenance error.",
        details="Pages built using our microsite tool will not be accessible. " + SEE_2_2,
    ),
    SeedEntry(
        section=2,
        number=10,
        subject="SMS unsubscribe",
        service="dotMailer application",
        level="delayed",
        summary="Requests are honoured; opt-outs take effect after the window.",
        details=(
            "SMS unsubscribe requests will be honoured. The opt-outs will take effect shortly "
            "after the completion of the upgrade work."
        ),
        afterwards="Opt-outs take effect shortly after the work completes.",
    ),
    SeedEntry(
        section=2,
        number=11,
        subject="Scheduled sends",
        service="dotMailer application",
        level="delayed",
        summary="Sent shortly after the window.",
        details=(
            "All scheduled sends due to be sent during the system downtime will be sent shortly "
            "after the system comes back online."
        ),
        afterwards="Sent shortly after the system comes back online.",
    ),
    SeedEntry(
        section=2,
        number=12,
        subject="ReMails",
        service="dotMailer application",
        level="delayed",
        summary="Sent shortly after the window; opens during it are not counted.",
        details=(
            "All scheduled sends due to be sent during the system downtime will be sent shortly "
            "after the system comes back online.\n\n"
            "As “opens” will not be recorded (see [section 3. What will be the effect on "
            "reporting data?](#section-3)), contacts opening emails during the system downtime "
            "will not be considered as having read the email and may receive your ReMail "
            "campaign."
        ),
        afterwards="Sent shortly after the system comes back online.",
    ),
    SeedEntry(
        section=2,
        number=13,
        subject="Triggered campaigns",
        service="dotMailer application",
        level="not_processed",
        summary="Most triggers due during the window will not run.",
        details=(
            "In most cases campaign triggers due to run during the system downtime will not be "
            "processed (some campaign triggers which would have been due to run close to the end "
            "of the system downtime will run)."
        ),
    ),
    SeedEntry(
        section=2,
        number=14,
        subject="Site and ROI tracking",
        service="dotMailer application",
        level="not_recorded",
        summary="Your pages keep working; tracking does not.",
        details=(
            "Webpages using our Site and ROI tracking will continue to function (although the "
            "tracking will not function)."
        ),
    ),
    SeedEntry(
        section=2,
        number=15,
        subject="dotCommerce shops",
        service="dotCommerce",
        level="unaffected",
        summary="Unaffected, except where integrated with dotMailer.",
        details=(
            "Shops built by our agency team using our enterprise level dotCommerce platform will "
            "be unaffected by this upgrade (except where there is integration to dotMailer)."
        ),
    ),
    SeedEntry(
        section=2,
        number=16,
        subject="Websites",
        service="dotEditor",
        level="unaffected",
        summary="Unaffected, except where integrated with dotMailer.",
        details=(
            "Websites built by our agency team will be unaffected by this upgrade (except where "
            "there is integration to dotMailer)."
        ),
    ),
    SeedEntry(
        section=2,
        number=17,
        subject="API integrations",
        service="dotMailer API",
        level="delayed",
        summary="Salesforce, Dynamics, SalesLogix, Magento and ACT stop synchronising.",
        details=(
            "Our Salesforce, Dynamics, SalesLogix, Magento and ACT integrations will not "
            "synchronise during the downtime. After the downtime these will resynchronise "
            "without any data loss."
        ),
        afterwards="Resynchronise without any data loss.",
    ),
    SeedEntry(
        section=3,
        number=1,
        subject="Email opens",
        service="dotMailer application",
        level="not_recorded",
        summary="Not recorded.",
        details="Email opens will not be recorded.",
    ),
    SeedEntry(
        section=3,
        number=2,
        subject="Clicks in emails",
        service="dotMailer application",
        level="not_recorded",
        summary="Not recorded, and tracked links do not link through.",
        details=(
            "Clicks in emails will not be recorded (and will not link through - see "
            "[2.2. Links in emails](#entry-2-2))."
        ),
    ),
    SeedEntry(
        section=3,
        number=3,
        subject="Site and ROI tracking data",
        service="dotMailer application",
        level="not_recorded",
        summary="Not recorded.",
        details="Site and ROI tracking will not be recorded.",
    ),
    SeedEntry(
        section=3,
        number=4,
        subject="Bounce data",
        service="dotMailer application",
        level="unaffected",
        summary="No interference: no campaigns are sent during the window.",
        details=(
            "No campaigns will be sent during the downtime; as such there will be no "
            "interference with bounce data."
        ),
    ),
]

# (name, role, bio)
TEAM = [
    (
        "John Adkins",
        "Head of Product Development",
        "Employee number one; this is John’s eleventh year at dotMailer. Apparently he "
        "remembers when dotMailer was nothing but fields.",
    ),
    (
        "Vic Girling",
        "Development Operations DBA",
        "Developing and maintaining the databases that allow dotMailer to send billions of "
        "emails every year, Vic joined the team last year and has taught us all to believe "
        "that TSQL is beautiful, and that rum is evil.",
    ),
    (
        "Alex Webber",
        "Development Lead",
        "Alex is the brains behind some of our more data intensive features; he can usually "
        "be found deep in code, immersed in database tables, or finding new Mexican food "
        "outlets for product development team lunches.",
    ),
    (
        "Andrew Gretton",
        "Development Lead",
        "Designated team cynic, Andrew is the one who comes up with all the technical "
        "reasons why many things are impossible. He made the tea once, it was a Tuesday I "
        "think.",
    ),
    (
        "Ben Ricketts",
        "Development Lead",
        "Ben is the world’s most cheerful and helpful developer, except for when the trains "
        "are delayed when he becomes grumpy.",
    ),
]

CUSTOMER_COMMENT = {
    "username": "michael.spektrix",
    "name": "Michael",
    "organisation": "Spektrix",
    "body": """Hi Stoo,

While we're certainly looking forward to the upgrade, we're really concerned about the time that it's happening.

For a service provider like dotmailer we would really expect this sort of planned maintenance to happen overnight when there is likely to be much less activity. 11am till 3pm is potentially a prime time for users to want send emails (which they might have scheduled on Friday), as well as for customers to want to click on links.

We integrate dotmailer into our own platform (www.spektrix.com) and then provide it to all of our clients. We, like you, run a Software as a Service platform. We do feature releases every 8 to 10 weeks, however we always perform these upgrades overnight, between the hours of midnight and 6am (or to 8am at the very latest). Would you not consider doing the same? I realise this may not work for some of your international clients, but my understanding is that your UK client base is still your largest by far.

I will wait to hear from you before we inform our clients about the down time in the hope that you will be able to reschedule it for a more convenient time.

Feel free to give me a ring if you would like to discuss - 020 7785 6967.

Many thanks,

Michael""",  # noqa: E501
}

STAFF_REPLY = {
    "username": "stoo",
    "name": "Stoo",
    "organisation": "dotMailer",
    "role": "dotMailer staff",
    "body": """Hi Michael,

You're right in that overnight is a quieter period, however the window of opportunity overnight is only about four hours, as the morning peak which is our busiest time of day starts again just before 0530. For this work there will be a continued period of monitoring after the upgrade, as such a longer wait before the morning peak will allow us to identify any issues.

Typically our weekly feature upgrades happen on a Wednesday night, these taking place with no downtime. Exceptional upgrades such as this usually taken place on a Saturday afternoon, as this gives us the longest window of opportunity for complex work (and Saturdays are generally quieter than Sundays); however such upgrades happen less than once a year. Usage of the application is changing to be more global, and from bulk sends to be more transactional; so with each upgrade we will evaluate the most appropriate time. Thanks for the feedback though, we will take it into consideration when planning the next upgrade.

It's possible that you may be able to arrange special terms with regards uptime and notifications; however as these affect all our users, special cases are rare. Your account manager would be the first port of call for this; if you don't have a direct dial for him/her, you can call through on 0845 337 9170.

Regards,

Stoo""",  # noqa: E501
}
