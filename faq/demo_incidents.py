"""The demo's past incidents as data: six resolved incidents of dotMailer's services over the
last 90 days, of different impacts and lengths, each with the updates staff would have posted
and the service statuses those updates set (loaded by ``faq.demo_history``).
"""

from dataclasses import dataclass, field
from datetime import time, timedelta

from statuspage.models import IncidentImpact, IncidentStatus, ServiceStatus

APP, API, FACEBOOK = "dotMailer application", "dotMailer API", "Facebook application"
SURVEY, FORUMS = "dotSurvey", "Support forums"
OPERATIONAL = ServiceStatus.OPERATIONAL
DEGRADED = ServiceStatus.DEGRADED_PERFORMANCE
PARTIAL = ServiceStatus.PARTIAL_OUTAGE
MAJOR = ServiceStatus.MAJOR_OUTAGE


@dataclass(frozen=True)
class PastUpdate:
    """An update posted ``after`` the incident began, moving services to new statuses."""

    after: timedelta
    status: str
    body: str
    services: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PastIncident:
    """An incident that began ``days_ago`` days before the demo's day, at ``start`` UTC."""

    slug: str
    title: str
    impact: str
    days_ago: int
    start: time
    services: tuple[str, ...]
    updates: tuple[PastUpdate, ...]
    postmortem: str = ""


def _minutes(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


INVESTIGATING, IDENTIFIED = IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED
MONITORING, RESOLVED = IncidentStatus.MONITORING, IncidentStatus.RESOLVED

INCIDENTS = (
    PastIncident(
        slug="dotsurvey-slow-to-load-and-submit",
        title="dotSurvey slow to load and submit surveys",
        impact=IncidentImpact.MINOR,
        days_ago=84,
        start=time(7, 50),
        services=(SURVEY,),
        updates=(
            PastUpdate(
                _minutes(10),
                INVESTIGATING,
                "Surveys are taking much longer than usual to load, and some respondents see a "
                "timeout when they submit their answers. Building surveys and reading results "
                "are slow too. We are investigating.",
                {SURVEY: DEGRADED},
            ),
            PastUpdate(
                _minutes(135),
                IDENTIFIED,
                "A disk failed overnight in the storage array behind dotSurvey, and the array is "
                "rebuilding onto a spare. The rebuild competes with survey traffic for the "
                "disks, which is why pages are slow. No answers have been lost: those that "
                "timed out on submission were saved, so a respondent who tried again may appear "
                "twice in your results. We expect the rebuild to finish this evening.",
            ),
            PastUpdate(
                _minutes(640),
                MONITORING,
                "The rebuild has finished, and surveys load and submit at their usual speed "
                "again. We are watching the array closely for the rest of the evening.",
                {SURVEY: OPERATIONAL},
            ),
            PastUpdate(
                _minutes(720),
                RESOLVED,
                "dotSurvey has run normally for over an hour since the rebuild finished, and "
                "this incident is resolved. If a respondent's answers appear twice, you can "
                "delete the copy from the survey's responses.",
            ),
        ),
    ),
    PastIncident(
        slug="dotmailer-api-unavailable",
        title="dotMailer API unavailable",
        impact=IncidentImpact.MAJOR,
        days_ago=71,
        start=time(13, 47),
        services=(API,),
        updates=(
            PastUpdate(
                _minutes(5),
                INVESTIGATING,
                "Calls to the dotMailer API are failing with errors or timing out. The dotMailer "
                "application is not affected: you can log in, build and send campaigns as "
                "usual. We are investigating.",
                {API: MAJOR},
            ),
            PastUpdate(
                _minutes(38),
                IDENTIFIED,
                "The API's database failed over to its standby server after a hardware fault, "
                "but the API servers kept their connections to the failed one, so every call "
                "that needs the database fails. We are restarting the API servers in turn so "
                "that they connect to the new primary.",
            ),
            PastUpdate(
                _minutes(125),
                MONITORING,
                "The API is answering calls again. Integrations are retrying the calls that "
                "failed, so responses will be slower than usual for a while. Calls made during "
                "the outage that your integration did not retry were not processed: run them "
                "again, or run your next scheduled sync in full.",
                {API: DEGRADED},
            ),
            PastUpdate(
                _minutes(155),
                RESOLVED,
                "API response times are back to normal and this incident is resolved. We will "
                "publish an account of what happened and what we are changing.",
                {API: OPERATIONAL},
            ),
        ),
        postmortem=(
            "**What happened.** At 13:47 UTC a memory fault took the primary server of the "
            "API's database offline. The standby took over within a minute, as it should, but "
            "the API servers' connection pools went on using connections to the failed server "
            "and did not notice until each server was restarted. The API refused calls for two "
            "hours, from 13:52 to 15:52 UTC, and was slow for half an hour after that while "
            "integrations caught up. The dotMailer application uses its own connections and "
            "was not affected.\n\n"
            "**What we are changing.** The connection pools now check each connection before "
            "use and follow a failover by themselves. An alert on the API's error rate now "
            "calls the engineer on duty within two minutes, where this time we learnt of it "
            "from customers. We rehearse a database failover every month, with the API "
            "under load."
        ),
    ),
    PastIncident(
        slug="campaign-sends-failing-for-some-accounts",
        title="Campaign sends failing for some accounts",
        impact=IncidentImpact.MAJOR,
        days_ago=52,
        start=time(10, 5),
        services=(APP,),
        updates=(
            PastUpdate(
                _minutes(4),
                INVESTIGATING,
                "Some campaigns stay at “Sending” or fail with “Your campaign could not be "
                "sent”. Logging in, editing campaigns and managing contacts work as usual. We "
                "are investigating.",
                {APP: PARTIAL},
            ),
            PastUpdate(
                _minutes(21),
                IDENTIFIED,
                "One of the servers that prepare campaigns for sending has run out of disk "
                "space, and the campaigns given to it fail. We have taken it out of service and "
                "are moving its queue to the other servers.",
            ),
            PastUpdate(
                _minutes(44),
                MONITORING,
                "Campaigns are sending normally again. Those that failed have been put back in "
                "the queue and are going out now: you do not need to send them again. Scheduled "
                "sends that were due in the meantime are going out a little late.",
                {APP: OPERATIONAL},
            ),
            PastUpdate(
                _minutes(85),
                RESOLVED,
                "Every delayed campaign has been sent, and sending has been normal for over "
                "half an hour. This incident is resolved. If a campaign of yours still shows "
                "“Sending” or “Failed”, contact support and we will look into it.",
            ),
        ),
    ),
    PastIncident(
        slug="dotmailer-application-and-api-unavailable",
        title="dotMailer application and API unavailable",
        impact=IncidentImpact.CRITICAL,
        days_ago=38,
        start=time(23, 38),
        services=(APP, API, FACEBOOK),
        updates=(
            PastUpdate(
                _minutes(6),
                INVESTIGATING,
                "The dotMailer application and the API are not responding, and sign-up forms "
                "in the Facebook application cannot be sent. We are investigating urgently.",
                {APP: MAJOR, API: MAJOR, FACEBOOK: MAJOR},
            ),
            PastUpdate(
                _minutes(17),
                IDENTIFIED,
                "A core network switch in our data centre has failed and cut off the "
                "application and API servers. Engineers on site are moving the connections to "
                "the standby switch.",
            ),
            PastUpdate(
                _minutes(50),
                MONITORING,
                "The standby switch is in service, and the application, the API and the "
                "Facebook application are back. Campaigns scheduled during the outage are "
                "going out now.",
                {APP: OPERATIONAL, API: OPERATIONAL, FACEBOOK: OPERATIONAL},
            ),
            PastUpdate(
                _minutes(72),
                RESOLVED,
                "Everything has run normally for over twenty minutes, and this incident is "
                "resolved. Sign-ups sent from Facebook forms during the outage were not "
                "recorded; we are sorry for that. The failed switch will be replaced in a "
                "maintenance window announced here beforehand.",
            ),
        ),
    ),
    PastIncident(
        slug="facebook-sign-up-forms-not-loading",
        title="Facebook sign-up forms not loading on some pages",
        impact=IncidentImpact.MINOR,
        days_ago=23,
        start=time(15, 20),
        services=(FACEBOOK,),
        updates=(
            PastUpdate(
                _minutes(8),
                INVESTIGATING,
                "Sign-up forms in the Facebook application show an empty tab on some Facebook "
                "pages. Forms on other pages, and the rest of dotMailer, work as usual. We are "
                "investigating.",
                {FACEBOOK: PARTIAL},
            ),
            PastUpdate(
                _minutes(50),
                IDENTIFIED,
                "Facebook has changed how page tabs load, and pages that use the new layout "
                "refuse our application's forms. We are preparing a fix.",
            ),
            PastUpdate(
                _minutes(160),
                MONITORING,
                "The fix is released, and forms load on every page we have tried, new layout "
                "and old. We are watching for reports.",
                {FACEBOOK: OPERATIONAL},
            ),
            PastUpdate(
                _minutes(210),
                RESOLVED,
                "Sign-up forms have loaded normally for the last hour, and this incident is "
                "resolved. Visitors who saw an empty tab could not sign up; nothing was lost "
                "that needs sending again.",
            ),
        ),
    ),
    PastIncident(
        slug="support-forums-slow",
        title="Support forums slow, some pages failing",
        impact=IncidentImpact.MINOR,
        days_ago=9,
        start=time(19, 30),
        services=(FORUMS,),
        updates=(
            PastUpdate(
                _minutes(5),
                INVESTIGATING,
                "The support forums are slow, and some pages fail with an error. dotMailer and "
                "dotSurvey are not affected. We are looking into it.",
                {FORUMS: DEGRADED},
            ),
            PastUpdate(
                _minutes(25),
                IDENTIFIED,
                "A search engine's crawler is requesting forum pages far faster than it "
                "should. We have limited its requests and the forums are recovering.",
            ),
            PastUpdate(
                _minutes(65),
                RESOLVED,
                "Forum pages load at their usual speed again, and this incident is resolved.",
                {FORUMS: OPERATIONAL},
            ),
        ),
    ),
)
