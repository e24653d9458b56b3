"""The demo community: Halcyon's customer support forum, as `flask seed demo` creates it.

Everything goes through the account, question and vote services (so revisions, counts, scores
and the reputation ledger are right) and is then backdated over the last two months so the lists
look alive. In THREADS a question's time is `days_ago`; everything in its thread is `hours` after
the question was asked. Votes and acceptances are not written out: `_community_votes` draws them
from a generator seeded by the thread's position, so every run builds the same community, and
people vote only once they hold the privilege, as they would.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from inspect import cleandoc

from flask import current_app
from sqlalchemy import func, select, update

from forum import permissions
from forum.auth import service as accounts
from forum.clock import utcnow
from forum.extensions import db
from forum.faq import candidates as faq_candidates
from forum.models import Answer, Post, Question, Tag, User
from forum.models.notifications import Notification
from forum.models.reputation import ReputationEvent, Vote
from forum.notifications import service as notifications
from forum.questions import service as questions
from forum.votes import service as votes

PASSWORDS = {
    "admin": "admin-demo-pass",
    "moderator": "mod-demo-pass",
    "expert": "expert-demo-pass",
    "member": "member-demo-pass",
}

# username, role, email, joined (days ago), about
PEOPLE: list[tuple[str, str, str, int, str]] = [
    ("admin", "admin", "admin@halcyon.example", 420, "Runs Halcyon Community for the Halcyon support team."),
    (
        "mod",
        "moderator",
        "maya@halcyon.example",
        400,
        "Maya, community moderator at Halcyon. Flag anything that needs a second look: I read every flag.",
    ),
    (
        "erin",
        "expert",
        "erin@halcyon.example",
        380,
        "Erin from Halcyon Support: billing, Halcyon Plus, accounts and sign-in.",
    ),
    (
        "sam",
        "expert",
        "sam@halcyon.example",
        365,
        "Sam from Halcyon Support: thermostats, wiring, Wi-Fi and firmware. Installed HVAC for eight years.",
    ),
    ("dana_k", "member", "dana.k@example.com", 240, "Halcyon T2 owner. Two kids, one old furnace."),
    ("greg_ohio", "member", "greg.ohio@example.com", 90, "Columbus, OH. Learning HVAC one video at a time."),
    ("priya.n", "member", "priya.n@example.com", 150, "Apartment dweller, mesh Wi-Fi tinkerer."),
    ("tom_h", "member", "tom.h@example.com", 300, "Network engineer by day. Happy to help with Wi-Fi."),
    ("lena_w", "member", "lena.w@example.com", 120, ""),
    ("jorge_m", "member", "jorge.m@example.com", 200, "Heat pump house in North Carolina."),
    ("bcarter", "member", "b.carter@example.com", 75, ""),
    (
        "oldhousefixer",
        "member",
        "oldhousefixer@example.com",
        330,
        "I restore 1920s houses and rent them out. I have opinions about thermostat wire.",
    ),
]

DEMO_LOGINS: list[tuple[str, str, str]] = [
    (username, PASSWORDS[role], role)
    for username, role, *_ in PEOPLE
    if username in ("admin", "mod", "erin", "sam", "dana_k")
]

TAGS = {
    "account": "Your Halcyon account: signing in, household sharing, moving house.",
    "android": "The Halcyon app on Android phones and tablets.",
    "billing": "Charges, payment methods, invoices and receipts.",
    "energy-reports": "Runtime history, monthly energy reports and data export.",
    "firmware": "Thermostat software updates and what changed in them.",
    "installation": "Installing a thermostat or sensor, and whether your system is compatible.",
    "mobile-app": "The Halcyon app for iPhone and Android.",
    "password": "Resetting or changing your password, and locked accounts.",
    "refunds": "Getting money back for Halcyon Plus or hardware.",
    "room-sensors": "Halcyon Room Sensors: pairing, batteries and comfort settings.",
    "schedules": "Schedules, holds, Home/Away and vacations.",
    "subscription": "Halcyon Plus: plans, trials, renewals and what is included.",
    "wifi": "Connecting the thermostat to your network, and the setup error codes.",
    "wiring": "Thermostat wires and terminals: C wires, heat pumps, multi-stage systems.",
}

THREADS: list[dict] = [
    {
        "by": "greg_ohio",
        "days_ago": 58.4,
        "tags": "installation wiring",
        "title": "No C wire: can I install the Halcyon T3 with only four wires?",
        "body": """
            I'm replacing an old round Honeywell dial with a T3. The wall plate has four wires and
            nothing on C:

            | Wire colour | Old terminal |
            | --- | --- |
            | Red | R |
            | White | W |
            | Yellow | Y |
            | Green | G |

            The compatibility checker in the app says "C wire recommended". Is it recommended or
            required? I'd rather not run new cable through a finished wall if I can avoid it.
            """,
        "answers": [
            {
                "by": "sam",
                "hours": 3.5,
                "body": """
                    Recommended, but in practice you want one. Without a C wire the T3 "power
                    steals" through the heating or cooling circuit. That works on many systems and
                    causes trouble on others: a clicking furnace fan, the thermostat restarting when
                    the heat comes on, or error **E-310 Low power** in the app. Your options, easiest
                    first:

                    1. **Look for a spare wire.** Pull the cable forward a little: installers often
                       fold an unused conductor (usually blue or black) back into the wall. If it is
                       there, connect it to **C** on the thermostat *and* to **C** (sometimes labelled
                       COM) on the furnace control board.
                    2. **Use the Halcyon Power Adapter** from the T3 box. It sits at the furnace and
                       turns four wires into five. At the thermostat, move the green wire from **G**
                       to **PA**; leave R, W and Y where they are.
                    3. **Run new 18/5 thermostat cable.** Best in the long run; an installer can often
                       pull it through using the old cable.

                    Power Adapter wiring at the furnace:

                    | Adapter lead | Furnace board terminal |
                    | --- | --- |
                    | R | R |
                    | C | C (COM, or B on some Rheem boards) |
                    | W | W |
                    | Y | Y |
                    | G | G |

                    The thermostat cable's red, white, yellow and green wires then go into the
                    adapter's R, W, Y and PA inputs. Switch the furnace off at its service switch
                    before you touch the board, and take a photo of the board first.
                    """,
            },
            {
                "by": "oldhousefixer",
                "hours": 9,
                "body": """
                    Did exactly this with the Power Adapter in one of my houses; it took 20 minutes.
                    Two tips the quick start card doesn't stress:

                    - Label the wires with tape *before* you disconnect anything. Green and yellow
                      look the same in a dim basement.
                    - Check that you found the real C: with a multimeter, R to C should read about
                      24 to 28 V AC.

                    You'll see the "G-to-C trick" online (move green to C and give up separate fan
                    control). It works, but you lose fan-only mode and the circulation schedule, so
                    use the adapter that's already in the box.
                    """,
            },
        ],
        "comments": [
            (
                "greg_ohio",
                20,
                "Found a folded-back blue wire exactly where you said. Connected both ends "
                "and the T3 now shows *C wire: detected*. Thanks, both of you!",
            ),
        ],
    },
    {
        "by": "dana_k",
        "days_ago": 56.2,
        "tags": "billing subscription",
        "title": "Charged twice for Halcyon Plus this month",
        "body": """
            My bank app shows two charges of $5.99 from HALCYON*PLUS on the 3rd, a few minutes
            apart. I have one thermostat and one account. Can someone look at this? I don't want to
            file a chargeback if it's a glitch that fixes itself.
            """,
        "edit": {
            "by": "dana_k",
            "hours": 70,
            "summary": "Update: the second charge is gone",
            "replace": [
                (
                    "a glitch that fixes itself.",
                    "a glitch that fixes itself.\n\n**Update:** the second charge disappeared "
                    "from my bank app on Thursday. Erin's answer explains it.",
                )
            ],
        },
        "answers": [
            {
                "by": "erin",
                "hours": 2.1,
                "body": """
                    Sorry for the scare, Dana. I checked your account: we collected **one** payment on
                    the 3rd. What you're seeing is almost certainly this:

                    1. Our first attempt was declined by your bank's fraud check (common on the first
                       charge after a card change).
                    2. We retried a few minutes later and it went through.
                    3. Your bank shows *both* attempts as pending; the declined one is an
                       authorization that is never collected.

                    Pending authorizations drop off within **3 to 5 business days**, depending on the
                    bank. To see what we actually charged, sign in to your web account and open
                    **Account → Billing → Payment history**: only payments listed there were collected.

                    If both charges are still there after five business days, reply here or write to
                    us from **Help → Contact support** and we'll refund the duplicate straight away.
                    Please don't start a chargeback: it pauses Plus while the bank investigates.
                    """,
                "comments": [
                    (
                        "dana_k",
                        30,
                        "That was it: I updated my card the week before. Payment history "
                        "shows a single $5.99.",
                    ),
                ],
            },
        ],
    },
    {
        "by": "priya.n",
        "days_ago": 54.7,
        "tags": "wifi",
        "title": "Thermostat won't join my mesh Wi-Fi: error E-204",
        "body": """
            Setting up a new T3. The app finds the thermostat, I pick my network, and after about a
            minute it fails with:

            ```
            E-204: Couldn't connect to "Nguyen-Mesh". Make sure the network is 2.4 GHz.
            ```

            My mesh (three nodes) uses one network name for 2.4 and 5 GHz, and the router's admin
            page says 2.4 GHz is on. My phone is on the same network. What else can I try?
            """,
        "comments": [
            (
                "sam",
                1,
                "Which mesh system is it, and which firmware does the thermostat show under "
                "**Settings → About**?",
            ),
            ("priya.n", 2, "TP-Link Deco X20; the thermostat says firmware 4.2.7."),
        ],
        "answers": [
            {
                "by": "sam",
                "hours": 5,
                "body": """
                    E-204 means the thermostat saw your network but couldn't hold a 2.4 GHz
                    connection to it. The T3's radio is 2.4 GHz only (802.11 b/g/n), and mesh systems
                    with *band steering* sometimes push it off mid-handshake. What usually works, in
                    this order:

                    1. Stand next to the thermostat with your phone during setup, so the nearest mesh
                       node handles both.
                    2. In your mesh app, turn on the option for older devices ("IoT network",
                       "2.4 GHz compatibility" or "pause 5 GHz for 10 minutes"). It only matters while
                       the thermostat joins; you can switch it back afterwards.
                    3. Use **WPA2** or **WPA2/WPA3 mixed** security. WPA3-only networks aren't
                       supported on the T3 yet.
                    4. Avoid channels 12 and 13: the T3 uses channels 1 to 11.

                    For reference, the Wi-Fi errors the app shows:

                    | Code | Meaning | First thing to try |
                    | --- | --- | --- |
                    | E-101 | Thermostat offline (after setup) | Restart the router, then the thermostat |
                    | E-201 | Wrong Wi-Fi password | Retype it; passwords are case sensitive |
                    | E-203 | Network not found | For a hidden network, type the name exactly |
                    | E-204 | No stable 2.4 GHz connection | The steps above |
                    | E-206 | Router refused the thermostat | Check MAC filtering or a device limit |

                    If you need to allow-list the thermostat, its MAC address is under
                    **Settings → About** on the device.
                    """,
            },
            {
                "by": "tom_h",
                "hours": 9.5,
                "body": """
                    Had the same on an eero system. What fixed it for me: eero app → Settings →
                    Troubleshooting → My device won't connect → **Pause 5 GHz** (lasts 10 minutes).
                    The T3 joined on the first try and stayed connected after 5 GHz came back. Deco
                    and Google Wifi have similar switches.
                    """,
                "comments": [
                    (
                        "priya.n",
                        26,
                        "On Deco it's under *More → Wireless → IoT Network*. Made one and "
                        "the thermostat joined instantly. Thanks!",
                    ),
                ],
            },
        ],
    },
    {
        "by": "lena_w",
        "days_ago": 52.9,
        "tags": "password account",
        "title": "Password reset email never arrives",
        "body": """
            I forgot my password and requested a reset three times in the last hour. Nothing in my
            inbox, nothing in spam. My account uses my work Outlook address. Is there another way
            back in? The thermostat still works, I just can't change the schedule from my phone.
            """,
        "answers": [
            {
                "by": "erin",
                "hours": 1.6,
                "body": """
                    Reset emails usually arrive within a minute, so something is catching them. A few
                    things to check:

                    - The sender is **no-reply@halcyon.example** and the subject *Reset your Halcyon
                      password*. Search for it, including Outlook's **Junk** and **Other** tabs.
                    - Work mailboxes often have a **quarantine** you can't see in Junk. Your IT team
                      can release messages from it, or you may get a daily "quarantine digest" email.
                    - Each new request cancels the previous link, so use the **newest** email. Links
                      expire after **60 minutes**.

                    If none of that works, I can move your account to a personal address once you've
                    proved it's yours: reply here and I'll send you a private message asking for the
                    thermostat's serial number (on the back of the display, starting `HT3-`). Please
                    **don't** post the serial number or your email address in the thread.
                    """,
                "comments": [
                    (
                        "lena_w",
                        3,
                        "Found all three in the quarantine digest. IT released them and the "
                        "newest link worked. Thank you!",
                    ),
                    (
                        "erin",
                        3.5,
                        "Glad it worked! Add no-reply@halcyon.example to your safe senders "
                        "so alerts and reports get through too.",
                    ),
                ],
            },
        ],
    },
    {
        "by": "tom_h",
        "days_ago": 50.3,
        "tags": "installation wiring",
        "title": "Heat pump blows cold air in heat mode after installing the T3",
        "body": """
            Installed a T3 on a Goodman heat pump (no heat strips, as far as I can tell). Cooling
            works. In heat mode the outdoor unit runs but the vents blow cold air. Wiring:

            ```
            Thermostat   Wire     Air handler
            R            red      R
            C            blue     C
            Y1           yellow   Y
            G            green    G
            O/B          orange   O
            ```

            I chose "heat pump" during setup. What did I miss?
            """,
        "answers": [
            {
                "by": "sam",
                "hours": 2.8,
                "body": """
                    Your wiring is fine; the reversing valve setting is the wrong way round. A heat
                    pump switches between heating and cooling with the O/B wire, and brands disagree
                    about when to energise it:

                    - **O** (energise in *cooling*): Goodman, Carrier, Trane, Lennox and most others.
                    - **B** (energise in *heating*): Rheem, Ruud and some older units.

                    If heat mode blows cold (and cool mode blows warm: try it), the thermostat is set
                    to the other one. On the thermostat go to **Settings → Equipment → Heat pump →
                    Reversing valve** and choose **O (energise in cool)**. It applies immediately, but
                    give it five minutes: the compressor has a minimum off time.

                    Setup asks this question, but if you restored a profile from an older thermostat
                    it takes the old answer, which catches people out.
                    """,
                "comments": [
                    (
                        "tom_h",
                        4,
                        "Switched to O and had warm air within a few minutes. I did restore "
                        "my old T2 profile, so that explains it.",
                    ),
                ],
            },
            {
                "by": "jorge_m",
                "hours": 20,
                "body": """
                    Same here on a Goodman: switching to O fixed it. While you're in that menu, check
                    **Auxiliary heat** too. If you have no heat strips, set it to *None*, otherwise the
                    T3 shows "Aux heat on" on cold mornings when nothing is actually happening.
                    """,
            },
        ],
    },
    {
        "by": "jorge_m",
        "days_ago": 48.1,
        "tags": "billing subscription",
        "title": "How do I switch Halcyon Plus from monthly to yearly billing?",
        "body": """
            I've paid for Plus monthly ($5.99) since the spring and would like the yearly plan ($59).
            The app only shows "Cancel subscription", no "Change plan". I'd rather not cancel and
            lose my energy history.
            """,
        "answers": [
            {
                "by": "erin",
                "hours": 4,
                "body": """
                    Cancelling never deletes your history, but you don't need to cancel to switch.
                    Plan changes are made on the web (the apps link there):

                    1. Sign in to your web account and open **Account → Billing → Halcyon Plus**.
                    2. Choose **Change plan → Yearly** and confirm.
                    3. You're charged $59 today, minus a credit for the unused days of the current
                       month.

                    The credit is a line on the new invoice, for example:

                    | Item | Amount |
                    | --- | --- |
                    | Halcyon Plus, yearly | $59.00 |
                    | Credit: 17 unused days of the monthly plan | −$3.39 |
                    | **Charged today** | **$55.61** |

                    Your renewal date becomes today's date next year. If you subscribed in the iPhone
                    or Android app, the plan is managed by Apple or Google and you switch it there.
                    """,
                "comments": [
                    ("jorge_m", 6, "Done, and the credit showed up just like that. Thanks!"),
                ],
            },
            {
                "by": "bcarter",
                "hours": 30,
                "body": """
                    Worth knowing: if you subscribed in the iPhone app (like I did), the billing page
                    on the web only says "Managed by Apple". You change or cancel it in iOS
                    **Settings → your name → Subscriptions → Halcyon Plus**.
                    """,
            },
        ],
    },
    {
        "by": "bcarter",
        "days_ago": 46.0,
        "tags": "refunds subscription billing",
        "title": "Refund for Halcyon Plus??",
        "body": """
            I started the free trial in the iOS app and forgot to cancel, and two days ago I was
            charged $59 for a year. I don't need Plus. The web account says "Managed by Apple" and
            there's no refund button anywhere. Can Halcyon refund this?
            """,
        "edit": {
            "by": "mod",
            "hours": 0.5,
            "summary": "Clearer title so others with App Store purchases find it",
            "title": "Subscribed to Halcyon Plus in the iPhone app: how do I get a refund?",
        },
        "answers": [
            {
                "by": "erin",
                "hours": 3.2,
                "body": """
                    I'm sorry: for purchases made in the iOS app, Apple takes the payment and only
                    Apple can refund it. We can't see or reverse App Store charges from our side.
                    Since the charge is only a few days old, your chances are good:

                    1. Go to **reportaproblem.apple.com** and sign in with your Apple ID.
                    2. Choose **Request a refund**, pick a reason ("I didn't mean to subscribe"
                       fits) and select the Halcyon Plus charge.
                    3. Apple usually replies within 48 hours.

                    To stop it renewing either way: **iOS Settings → your name → Subscriptions →
                    Halcyon Plus → Cancel Subscription**.

                    If Apple says no, tell me here. For the future: a yearly plan bought on the web
                    can be refunded by us in full within 30 days.
                    """,
                "comments": [
                    (
                        "bcarter",
                        40,
                        "Apple approved the refund the next morning. Cancelled in "
                        "Settings too. Thanks for the steps.",
                    ),
                ],
            },
        ],
    },
    {
        "by": "oldhousefixer",
        "days_ago": 44.2,
        "tags": "wiring installation",
        "title": "Two-stage furnace with a single-stage AC: which terminals on the T3?",
        "body": """
            Upgrading from a basic thermostat that only ever used the first heat stage. The furnace
            is a two-stage Carrier with a variable-speed blower. The cable and board:

            | Wire | Furnace board | Old thermostat |
            | --- | --- | --- |
            | red | R | R |
            | blue | C | C |
            | white | W/W1 | W |
            | brown | W2 | (not connected) |
            | yellow | Y/Y2 | Y |
            | green | G | G |

            Does brown go to W2 on the thermostat? And which Y is the AC, given the board says Y/Y2?
            """,
        "answers": [
            {
                "by": "sam",
                "hours": 6,
                "body": """
                    Nice setup; the T3 will finally use that second stage. Connect it like this:

                    | Wire | T3 terminal |
                    | --- | --- |
                    | red | R |
                    | blue | C |
                    | white | W1 |
                    | brown | Y2 |
                    | yellow | Y1 |
                    | green | G |

                    The board says Y/Y2 because a two-stage AC would use that terminal for its
                    second stage; with a single-stage AC it's simply the cooling call, so yellow goes
                    to **Y1** on the thermostat.

                    Then on the thermostat: **Settings → Equipment → Furnace → Stages → 2**. By
                    default the T3 decides when to bring in stage 2 from how fast the room is
                    warming. If you prefer a fixed rule, set **Stage 2 → Threshold** (for example 2°F
                    below the set temperature, or after 10 minutes on stage 1).
                    """,
                "comments": [
                    (
                        "oldhousefixer",
                        8,
                        "The table says brown → Y2. You mean W2, right? Y2 would call "
                        "for a second cooling stage I don't have.",
                    ),
                    ("sam", 9, "Yes, W2. Sorry about that, fixed the table. Good catch!"),
                    (
                        "oldhousefixer",
                        50,
                        "Running for two days now. Stage 2 came on once during the "
                        "cold snap, exactly as it should.",
                    ),
                ],
                "edit": {
                    "by": "sam",
                    "hours": 9,
                    "summary": "Fixed the table: brown goes to W2, not Y2",
                    "replace": [("| brown | Y2 |", "| brown | W2 |")],
                },
            },
        ],
    },
    {
        "by": "lena_w",
        "days_ago": 42.0,
        "tags": "firmware",
        "title": "Firmware update stuck at 63% for over an hour",
        "body": """
            The thermostat showed "Updating to 4.3.0" this morning and has been on 63% for about 70
            minutes. The heat is off while it updates and it's 61°F inside. Should I pull it off
            the wall? I'm afraid of bricking it.
            """,
        "answers": [
            {
                "by": "sam",
                "hours": 0.8,
                "body": """
                    Don't pull it off the wall, and please don't factory reset it. What's happening:
                    the T3 downloads the whole update, then verifies it before installing. The verify
                    step shows as **63%**, and on thermostats without a C wire it also waits until the
                    battery is charged enough to finish safely, so it can't lose power half-way.

                    - If it's been more than **2 hours**, switch the furnace off at its service switch
                      or breaker for 30 seconds, then back on. The T3 keeps the previous firmware in
                      a second slot, so an interrupted update falls back to 4.2.7 and tries again
                      overnight. It can't brick itself.
                    - While it updates it won't call for heat. A space heater for an hour is fine.

                    If this happens on every update, the thermostat is short on power: the same cause
                    as random restarts. A C wire or the Power Adapter fixes both.
                    """,
                "comments": [
                    (
                        "lena_w",
                        2.5,
                        "Cycled the breaker after two hours as you said. It came back on "
                        "4.2.7 and updated at 3am without me noticing. Heat's back.",
                    ),
                ],
            },
        ],
    },
    {
        "by": "dana_k",
        "days_ago": 40.3,
        "tags": "schedules firmware",
        "title": "Schedule ignored since the 4.3.0 update: thermostat holds 68°F all day",
        "body": """
            Since last week's update my schedule is ignored. The thermostat shows **Hold 68°** and
            stays there; when I change the temperature it holds the new one instead. The schedule in
            the app still looks right:

            - 6:00 Wake, 70°
            - 8:30 Away, 62°
            - 16:30 Home, 69°
            - 22:00 Sleep, 64°

            It's a T2 on firmware 4.3.0.
            """,
        "answers": [
            {
                "by": "sam",
                "hours": 7,
                "body": """
                    Thanks for the detail. This is a known issue in 4.3.0 on some **T2** thermostats:
                    the update reset **Hold duration** to *Until I change it*, a permanent hold, so any
                    manual change never ends. To fix it:

                    1. On the thermostat: **Settings → Preferences → Hold duration → Until next
                       schedule change**.
                    2. Tap **Resume schedule** on the home screen (or in the app, tap the hold banner
                       and then **Resume**).

                    Firmware 4.3.1 fixes the reset and rolls out over the next two weeks. It won't
                    change the setting back once you've corrected it. Sorry for the nuisance.
                    """,
                "comments": [
                    ("dana_k", 10, "Fixed. It was set to *Until I change it*, which I never chose."),
                ],
            },
            {
                "by": "lena_w",
                "hours": 30,
                "body": """
                    Same on my T3, so it's not only the T2. The steps above fixed it for me too; check
                    the hold duration even if your schedule seems fine, mine only showed up on a
                    weekend.
                    """,
                "comments": [
                    (
                        "sam",
                        32,
                        "Thanks, Lena. Confirmed: some T3s on 4.3.0 are affected too, and "
                        "4.3.1 covers both models.",
                    ),
                ],
            },
        ],
    },
    {
        "by": "priya.n",
        "days_ago": 38.6,
        "tags": "energy-reports",
        "title": "Energy report shows 0 heating hours for one week",
        "body": """
            My monthly Plus report says **0 h** of heating for the week of the 12th, but it was
            cold and the heat certainly ran. The other weeks look normal (20 to 30 hours). Is the
            data lost?
            """,
        "answers": [
            {
                "by": "sam",
                "hours": 20,
                "body": """
                    The report is built from runtime the thermostat uploads every 15 minutes; if it
                    can't upload, it keeps about 10 days of runtime on the device and sends it later.
                    A week of zeros means one of two things:

                    1. **The thermostat was offline** for longer than that. In the app, open
                       **Thermostat → History** for that week: a flat grey line marked *No data*
                       means it was offline (you'd also have had an **E-101** notification). If you
                       moved it to your new IoT network around then, that's the likely moment.
                    2. **History shows runtime but the report doesn't.** Then the report was made
                       before the late upload arrived. Nothing is lost; I can regenerate it.
                    """,
                "comments": [
                    (
                        "priya.n",
                        22,
                        "History has data for those days, so it's the second case. Could you regenerate it?",
                    ),
                    (
                        "sam",
                        24,
                        "Done: the new report is under **Energy → Reports** and shows 28.5 h "
                        "of heating for that week. The upload came in late after a router "
                        "restart on the 13th.",
                    ),
                ],
            },
        ],
    },
    {
        "by": "lena_w",
        "days_ago": 36.2,
        "tags": "account mobile-app",
        "title": "Can my partner control the thermostat without my password?",
        "body": """
            Right now my partner and I share one login, which is not great (and it's how I locked
            myself out last month). Can they have their own access to our thermostat?
            """,
        "answers": [
            {
                "by": "erin",
                "hours": 5,
                "body": """
                    Yes: invite them as a **household member**.

                    1. In the app: **Settings → Household → Invite someone**.
                    2. Enter their email address. The invitation is valid for 7 days; they create
                       their own free Halcyon account from it.
                    3. Your thermostats appear in their app as soon as they accept.

                    What members can do:

                    | Action | Owner | Member |
                    | --- | --- | --- |
                    | Change temperatures and schedules | yes | yes |
                    | See history and energy reports | yes | yes |
                    | Receive alerts | yes | if they turn them on |
                    | Add or remove thermostats | yes | no |
                    | Billing and Halcyon Plus | yes | no |

                    A home can have up to 5 members. Once they're set up, change your password:
                    anyone who knows it can also change your billing details.
                    """,
                "comments": [
                    ("lena_w", 28, "Invite sent and accepted, and I changed my password."),
                ],
            },
            {
                "by": "tom_h",
                "hours": 26,
                "body": """
                    We do this at home. Tip: each person can let the app use their phone's location
                    for **Home/Away**, and the thermostat only switches to Away when *everyone* has
                    left.
                    """,
            },
        ],
    },
    {
        "by": "tom_h",
        "days_ago": 34.4,
        "tags": "mobile-app",
        "title": "App crashes immediately after update",
        "body": """
            Updated the Halcyon app this morning and now it closes right after the splash screen.
            Reinstalling didn't help. From `adb logcat`:

            ```
            E AndroidRuntime: FATAL EXCEPTION: main
            E AndroidRuntime: Process: com.halcyon.home, PID: 21734
            E AndroidRuntime: java.lang.IllegalStateException: Account not loaded
            E AndroidRuntime:     at com.halcyon.home.widget.ThermostatWidget.onUpdate(ThermostatWidget.kt:88)
            ```

            Pixel 7, Android 14, app version 5.8.0.
            """,
        "edit": {
            "by": "mod",
            "hours": 1.2,
            "summary": "App version in the title; added the android tag",
            "title": "Android app 5.8.0 crashes on launch",
            "tags": "mobile-app android",
        },
        # "I have this question too": the Galaxy S21 and Pixel 6 owners who hit the same crash
        "followers": ["greg_ohio", "priya.n", "jorge_m"],
        "answers": [
            {
                "by": "sam",
                "hours": 3,
                "body": """
                    Thanks for the log, that made this quick. It's a bug in 5.8.0 on phones with the
                    **Halcyon widget** on the home screen: the widget starts before the app has
                    loaded your account and takes the app down with it. Until the fix reaches you:

                    1. Long-press the Halcyon widget and choose **Remove**.
                    2. Open the app; it starts normally.
                    3. Add the widget back once you have **5.8.1**, which is in review at Google Play
                       and should reach everyone within 48 hours.

                    Reinstalling doesn't help because the launcher puts the widget back.
                    """,
                "comments": [
                    ("tom_h", 4, "Removing the widget worked. I'll add it back after 5.8.1."),
                    ("sam", 50, "5.8.1 is now live on Google Play for everyone."),
                ],
            },
        ],
    },
    {
        "by": "jorge_m",
        "days_ago": 31.3,
        "tags": "account",
        "title": "Selling my house: how do I transfer the thermostat to the new owner?",
        "body": """
            We close on the sale in three weeks. The T3 stays with the house. What do I need to do
            so the buyers can use it, and what happens to my Halcyon Plus subscription?
            """,
        "answers": [
            {
                "by": "erin",
                "hours": 6,
                "body": """
                    Congratulations on the sale! The thermostat stays with the house; your account and
                    subscription stay with you. Before closing:

                    1. Export anything you want to keep: **Energy → Export** on the web account.
                    2. In the app: **Thermostat → Settings → Remove from account**. This unlinks it
                       and removes its schedule and history from your account.
                    3. On the thermostat: **Settings → Reset → Factory reset**. It restarts in setup
                       mode with the default schedule.
                    4. Leave the quick start card for the buyers. They install the app and add it as
                       a new thermostat on their own account.

                    **Halcyon Plus** belongs to your account, not the device. If you put a Halcyon in
                    your new home, it carries over automatically. If you don't, cancel under
                    **Account → Billing**; when you move and remove your only thermostat, we refund
                    the unused months of a yearly plan. Just ask us through Help → Contact support.
                    """,
                "comments": [
                    (
                        "jorge_m",
                        25,
                        "Perfect, exported the data first. We're getting a T3 for the new "
                        "place anyway, so Plus just moves with me.",
                    ),
                ],
            },
            {
                "by": "oldhousefixer",
                "hours": 20,
                "body": """
                    From doing this with rentals: if you installed the **Power Adapter** at the
                    furnace, leave it there and mention it in the house documents. The next
                    electrician to see an extra box on the furnace will want to know what it is.
                    """,
            },
        ],
    },
    {
        "by": "bcarter",
        "days_ago": 29.0,
        "tags": "subscription energy-reports",
        "title": "What exactly does Halcyon Plus add over the free app?",
        "body": """
            After my App Store mix-up I'd like to know what I'd actually be paying for before trying
            Plus again. The comparison page is mostly marketing. A straight list would help.
            """,
        "answers": [
            {
                "by": "erin",
                "hours": 2.5,
                "body": """
                    Fair request. Here it is without the marketing:

                    | Feature | Free | Halcyon Plus |
                    | --- | --- | --- |
                    | Remote control, schedules, Home/Away, vacations | yes | yes |
                    | Runtime history in the app | 7 days | 3 years |
                    | Monthly energy report (email and app) | no | yes |
                    | CSV export of energy data | last 7 days | everything |
                    | Offline alert | yes | yes |
                    | Freeze, "heat isn't keeping up" and filter alerts | no | yes |
                    | Warranty | 1 year | extended to 3 years |
                    | Support | community and email | also chat, 7 days a week |

                    Plus costs $5.99 a month or $59 a year, with a 30-day free trial.

                    Honest take: if you mostly use the thermostat on the wall, the free app is plenty.
                    Plus earns its keep if you're away a lot (the freeze alert) or want to compare
                    energy use across seasons.
                    """,
                "comments": [
                    ("bcarter", 5, "Thanks for the straight answer. I'll stay on free for now."),
                ],
            },
            {
                "by": "greg_ohio",
                "hours": 40,
                "body": """
                    One data point: the "heat isn't keeping up" alert caught my furnace's flame sensor
                    failing in January, hours before the house would have got cold. The service call
                    was the same either way, but I fixed it on my schedule instead of at 2am.
                    """,
            },
        ],
    },
    {
        "by": "lena_w",
        "days_ago": 27.2,
        "tags": "wiring installation",
        "title": "Thermostat restarts every time the heat comes on (E-310 low power)",
        "body": """
            Since it got colder, my T3 restarts a few minutes after the furnace starts: the screen
            goes black, shows the logo, and the furnace stops, then starts again later. The app's
            notification history shows **E-310 Low power** several times a day.
            **Settings → About → Power** says:

            ```
            Power source:  power stealing (W1)
            C wire:        not detected
            Battery:       3.41 V (low)
            ```

            I have four wires and no C. Do I need an electrician?
            """,
        "answers": [
            {
                "by": "sam",
                "hours": 4,
                "body": """
                    No electrician needed, but the thermostat needs a steady supply. While the heat is
                    on, the T3 can't draw power through W1 (that circuit is closed), so it runs on its
                    small battery. At 3.41 V it's already below the 3.6 V it needs to keep Wi-Fi going
                    through a long heating cycle, so it restarts.

                    The fix, best first: connect a C wire if the cable has a spare conductor, or
                    install the **Power Adapter** from the box (see the "No C wire" question for the
                    wiring table). Afterwards *Power source* should read `C wire` and the battery
                    recharges to about 3.9 V within a day.

                    In the meantime you can top up the battery with a USB-C cable in the port on the
                    back of the display; an hour gets you through a day or two.
                    """,
                "comments": [
                    (
                        "lena_w",
                        50,
                        "Installed the adapter this weekend. *Power source: C wire*, and no "
                        "restarts since. Thanks Sam.",
                    ),
                ],
            },
            {
                "by": "greg_ohio",
                "hours": 6,
                "body": """
                    Easiest fix: put a short jumper wire between R and C on the thermostat base. That
                    gives it constant power without running anything new.
                    """,
                "deleted": ("mod", 7),
            },
        ],
        "comments": [
            (
                "mod",
                7.2,
                "I removed an answer that suggested jumpering R to C on the base. That "
                "shorts the 24 V transformer and blows the furnace board's fuse or the "
                "transformer itself. Please use a real C wire or the Power Adapter.",
            ),
        ],
    },
    {
        "by": "dana_k",
        "days_ago": 24.1,
        "tags": "refunds subscription billing",
        "title": "Will I get a refund if I cancel my yearly Plus plan halfway through?",
        "body": """
            My yearly Plus plan renewed five months ago (bought on the website). Money is tight
            this winter and I'm thinking of cancelling. Would I get anything back for the remaining
            months?
            """,
        "answers": [
            {
                "by": "erin",
                "hours": 3,
                "body": """
                    Here's how cancelling works for plans bought on the web:

                    - **Within 30 days** of a yearly charge (first purchase or renewal): full refund,
                      and Plus ends straight away.
                    - **After 30 days**: no partial refund, but nothing is lost either. Cancelling
                      turns off auto-renewal and Plus keeps working until the end of the paid year.
                      Your history stays; the monthly reports simply stop after that date.
                    - **Exceptions**: if you move and remove your only thermostat, or return a faulty
                      thermostat under warranty, we refund the unused whole months. Ask us through
                      **Help → Contact support**.

                    Monthly plans aren't refunded, but cancelling stops the next charge.

                    To cancel: **Account → Billing → Halcyon Plus → Cancel**. You'll get a
                    confirmation email; if you don't, the cancellation didn't go through.
                    """,
                "comments": [
                    ("dana_k", 5, "Clear, thanks. I'll keep it until the renewal date and decide then."),
                ],
            },
        ],
    },
    {
        "by": "priya.n",
        "days_ago": 21.4,
        "tags": "energy-reports",
        "title": "How do I export my energy data as CSV?",
        "body": """
            I'd like to put two winters side by side in a spreadsheet. Is there an export, and what
            does it contain?
            """,
        "answers": [
            {
                "by": "sam",
                "hours": 6,
                "body": """
                    Yes: on the web account, **Energy → Export**, pick a date range and *Daily* or
                    *Hourly*. The app can share the last 30 days from **Energy → Share**. Free
                    accounts export the last 7 days; Plus exports everything since installation.
                    A daily export looks like this:

                    ```
                    date,heat_runtime_min,cool_runtime_min,fan_runtime_min,aux_runtime_min,avg_indoor_f,avg_outdoor_f
                    2025-01-14,512,0,540,0,68.2,21.5
                    2025-01-15,468,0,495,0,68.4,26.0
                    ```

                    - Dates are in your home's time zone.
                    - Runtime is minutes per day; divide by 60 to match the hours in the report.
                    - `avg_outdoor_f` comes from the weather service for your ZIP code, not from a
                      sensor.

                    To compare winters fairly, divide heating runtime by *heating degree days* for
                    your area (the National Weather Service publishes them); a colder winter otherwise
                    looks like a less efficient house.
                    """,
                "comments": [
                    (
                        "priya.n",
                        30,
                        "Exactly what I needed. Weather-adjusted, heating runtime is down "
                        "14% since the landlord insulated the attic.",
                    ),
                ],
            },
        ],
    },
    {
        "by": "greg_ohio",
        "days_ago": 18.2,
        "tags": "account password",
        "title": "Account locked after too many sign-in attempts",
        "body": """
            The app says "Too many attempts. Try again later." How long is later? I'm fairly sure I'm
            typing the right password; I changed it last month.
            """,
        "answers": [
            {
                "by": "erin",
                "hours": 1.2,
                "body": """
                    After **10 failed attempts** the account is locked for **30 minutes**, and every
                    attempt during the lock restarts the clock, including an app retrying in the
                    background with an old saved password. So:

                    1. Close the Halcyon app on every phone and tablet that's signed in. After a
                       password change, an old password saved on a second device is the usual culprit.
                    2. Wait 30 minutes, or skip the wait: **Forgot password?** on the sign-in screen.
                       Completing a reset unlocks the account immediately.
                    3. Sign in again on each device with the current password.

                    The thermostat keeps running its schedule the whole time; a lock only affects the
                    apps and the website.
                    """,
                "comments": [
                    (
                        "greg_ohio",
                        2,
                        "It was my wife's iPad with the old password. Reset, signed in everywhere, all good.",
                    ),
                ],
            },
        ],
    },
    {
        "by": "lena_w",
        "days_ago": 14.3,
        "tags": "schedules",
        "title": "Keeping the house at 55°F for a two-week trip without touching my schedule",
        "body": """
            We're away for two weeks soon. I want 55°F while we're gone and a warm house when we get
            back, without editing the schedule and then forgetting to change it back.
            """,
        "answers": [
            {
                "by": "tom_h",
                "hours": 3,
                "body": """
                    Use a vacation: in the app, **Schedule → Vacation → Add**. Set the start and end
                    (date and time) and the temperature. It ends by itself and the normal schedule
                    takes over, so there's nothing to forget.
                    """,
            },
            {
                "by": "sam",
                "hours": 5,
                "body": """
                    Adding to Tom's answer:

                    - Set the end **2 to 3 hours before you get home**. From 55°F a furnace typically
                      needs 1 to 2 hours to reach 68°F; a heat pump takes longer because it avoids
                      auxiliary heat where it can.
                    - Don't go below **50°F** if you have pipes in exterior walls.
                    - With Plus, turn on the **Freeze alert** (**Settings → Alerts**): you get a push
                      and an email if it drops below 45°F inside, for example if the furnace fails.
                      Everyone gets the **offline** alert, which also catches a power cut.
                    - A vacation overrides both the schedule and Home/Away; the thermostat shows
                      "Vacation until Sat 18:00".
                    """,
                "comments": [
                    ("lena_w", 8, "Set it up, and a neighbour has a key just in case. Thanks both!"),
                ],
            },
        ],
    },
    {
        "by": "tom_h",
        "days_ago": 10.6,
        "tags": "firmware",
        "title": "Does firmware 4.3.1 fix the humidity reading being about 10% high?",
        "body": """
            My T3 says 52% humidity; two separate hygrometers in the same room say 41 to 43%. The
            4.3.1 release notes mention "sensor improvements". Is this it? **Settings → About**
            shows firmware 4.3.1, hardware revision C.
            """,
        "answers": [
            {
                "by": "sam",
                "hours": 26,
                "body": """
                    Not this one, I'm afraid: the 4.3.1 sensor change corrects the *temperature*
                    reading while the display backlight is on. For humidity you can set an offset
                    yourself: **Settings → Sensors → Humidity calibration** accepts −10 to +10
                    percentage points. Try −9 and compare over a day.

                    If the difference isn't steady (say 5% one day and 15% the next), that points to
                    the sensor itself rather than an offset. Contact support and we'll replace the
                    thermostat under warranty.
                    """,
                "comments": [
                    ("tom_h", 30, "Calibrated −9; it now tracks my hygrometers within 1 to 2%. Thanks."),
                ],
            },
        ],
    },
    {
        "by": "oldhousefixer",
        "days_ago": 6.4,
        "tags": "billing",
        "title": "Can I get my company name and tax ID on Halcyon Plus invoices?",
        "body": """
            Three of my rental houses have a T3 with Plus, all under my account. My accountant needs
            invoices made out to my LLC with its EIN, not to me personally. Is that possible, also
            for last year's invoices?
            """,
        "answers": [
            {
                "by": "erin",
                "hours": 4,
                "body": """
                    Yes. In the web account, open **Account → Billing → Billing details** and fill in:

                    - **Company name**: printed above your name on invoices.
                    - **Tax ID**: an EIN for US businesses; for a VAT or GST number, pick the country
                      first.
                    - **Billing address**, if it differs from the home address.

                    New invoices use the details straight away. For past ones, open **Payment
                    history**, select an invoice and choose **Re-issue with current details**. You
                    get a new PDF with the same invoice number and a "re-issued" note, which
                    accountants generally accept.
                    """,
                "comments": [
                    (
                        "oldhousefixer",
                        6,
                        "Re-issued the last twelve invoices in a few minutes. My accountant is happy.",
                    ),
                ],
            },
        ],
    },
    {
        "by": "bcarter",
        "days_ago": 3.2,
        "tags": "room-sensors mobile-app",
        "title": "Room sensor shows Offline in the app, but the thermostat still sees it",
        "body": """
            I have two Halcyon Room Sensors. The bedroom one shows *Offline* in the app, yet the
            thermostat's **Sensors** screen lists it with a current reading (66°F) and still uses it
            for the Sleep comfort setting. I replaced its CR2032 battery last week. Is it broken,
            or is the app wrong?
            """,
        "comments": [
            (
                "sam",
                20,
                "Which firmware does the thermostat show, and did you add the sensor before "
                "or after the 4.3.1 update? We're collecting reports on this one.",
            ),
            ("bcarter", 22, "Firmware 4.3.1; the sensor was paired in the autumn, long before the update."),
        ],
    },
    {
        "by": "oldhousefixer",
        "days_ago": 1.4,
        "tags": "wiring installation",
        "title": "Can the T3 control a whole-house humidifier wired to the furnace?",
        "body": """
            One of the houses has a bypass humidifier on the furnace. Today it has its own 24 V
            transformer and a manual humidistat on the return duct, and the furnace board's HUM
            terminal only powers it while the blower runs.

            The T3 base has **ACC+** and **ACC−** terminals. Can I take the humidistat out and put
            its two wires on ACC+ and ACC−? And will the T3 lower the target humidity when it's cold
            outside, like the outdoor-temperature chart on the manual dial, so the windows don't
            fog up?
            """,
    },
    {
        "by": "dana_k",
        "days_ago": 0.3,
        "tags": "mobile-app schedules",
        "title": "How do I switch the app from 24-hour time to AM/PM?",
        "body": """
            Since I moved to a new phone, the schedule in the app shows times like 16:30 and 22:00,
            while the thermostat itself shows 4:30 PM. In the app I looked under
            **Settings → Preferences** but only found temperature units. Where is the setting?
            """,
    },
]


# threads the moderator has approved into the FAQ
FAQ_THREADS = (
    "No C wire: can I install the Halcyon T3 with only four wires?",
    "Password reset email never arrives",
)


def seed_demo_community() -> None:
    """Create the demo community; assumes an empty database."""
    now = utcnow()
    people: dict[str, User] = {}
    for username, role, email, joined_days_ago, about in PEOPLE:
        user = accounts.register(username, email, PASSWORDS[role], role=role)
        user.about = about
        user.created_at = now - timedelta(days=joined_days_ago)
        people[username] = user
    for position, thread in enumerate(THREADS):
        _seed_thread(thread, people, now - timedelta(days=thread["days_ago"]), random.Random(position))
    for tag in db.session.scalars(select(Tag)):
        tag.description = TAGS.get(tag.name, "")
    _backdate_notifications(now)
    db.session.commit()
    _seed_faq(people["mod"])


def _seed_faq(moderator: User) -> None:
    """The moderator has curated the threads customers needed most into the FAQ, from the drafts."""
    with current_app.test_request_context():  # the drafts link the answers they credit
        for title in FAQ_THREADS:
            question = db.session.scalar(select(Question).where(Question.title == title))
            draft = faq_candidates.draft([question.id])
            faq_candidates.approve(
                moderator, [question.id], draft.title, draft.body, draft.tag, draft.product_area
            )


def _backdate_notifications(now: datetime) -> None:
    """Date each notification with what it reports; those older than two days have been read."""
    for item in db.session.scalars(select(Notification)):
        item.created_at = item.comment.created_at if item.comment else item.post.created_at
        if item.created_at < now - timedelta(days=2):
            item.read_at = item.created_at + timedelta(hours=3)


def _seed_thread(thread: dict, people: dict[str, User], asked_at: datetime, rng: random.Random) -> None:
    """Create one question with its answers, votes, comments, edits and deletions, then backdate it all."""
    question = questions.ask(people[thread["by"]], thread["title"], cleandoc(thread["body"]), thread["tags"])
    moments = [_backdate(question, asked_at)]
    answers = []
    for reply in thread.get("answers", []):
        answer = questions.answer(people[reply["by"]], question.id, cleandoc(reply["body"]))
        moments.append(_backdate(answer, asked_at + timedelta(hours=reply["hours"])))
        answers.append(answer)
    _community_votes(question, answers, list(people.values()), rng, thread["days_ago"])
    for answer, reply in zip(answers, thread.get("answers", []), strict=True):
        moments += _follow_up(answer, reply, people, asked_at)
    moments += _follow_up(question, thread, people, asked_at)
    for follower in thread.get("followers", []):
        notifications.follow(people[follower], question.id)
    question.last_activity_at = max(moments)
    # nothing counts views yet: older, better-answered threads have simply been read more
    question.view_count = int(12 + thread["days_ago"] * (5 + 7 * len(thread.get("answers", []))))


def _community_votes(
    question: Question, answers: list[Answer], people: list[User], rng: random.Random, days_ago: float
) -> None:
    """Votes on the thread from whoever may vote, and the asker's acceptance, dated a day after each post.

    Staff answers draw a few more votes; threads older than two days usually have an accepted answer
    (the asker picks the best-voted one), and the rest wait in the expert queue.
    """
    first_event = db.session.scalar(select(func.coalesce(func.max(ReputationEvent.id), 0)))
    first_vote = db.session.scalar(select(func.coalesce(func.max(Vote.id), 0)))
    for post in [question, *answers]:
        wanted = rng.randint(0, 3) + (2 if post.author.is_staff else 0) + (1 if post is not question else 0)
        voters = [person for person in people if permissions.can_vote(person, post, 1)]
        for voter in rng.sample(voters, min(wanted, len(voters))):
            votes.vote(voter, post.id, 1)
    if answers and days_ago > 2 and rng.random() < 0.85:
        best = max(answers, key=lambda answer: (answer.score, -answer.id))
        votes.accept(question.author, question.id, best.id)
    when = max(post.created_at for post in [question, *answers]) + timedelta(days=1)
    db.session.execute(
        update(ReputationEvent).where(ReputationEvent.id > first_event).values(created_at=when)
    )
    db.session.execute(update(Vote).where(Vote.id > first_vote).values(created_at=when, updated_at=when))
    db.session.commit()


def _backdate(post: Post, moment: datetime) -> datetime:
    """Move a new post and its first revision back to `moment`."""
    post.created_at = moment
    for revision in post.revisions:
        revision.created_at = moment
    return moment


def _follow_up(post: Post, data: dict, people: dict[str, User], asked_at: datetime) -> list[datetime]:
    """Add a post's comments, edit and deletion; return when each happened."""
    moments = []
    for author, hours, text in data.get("comments", []):
        remark = questions.comment(people[author], post.id, text)
        remark.created_at = asked_at + timedelta(hours=hours)
        moments.append(remark.created_at)
    if change := data.get("edit"):
        body = post.body
        for old, new in change.get("replace", []):
            if old not in body:
                raise ValueError(f"Demo edit of {post.id}: {old!r} is not in the body.")
            body = body.replace(old, new)
        questions.edit(
            people[change["by"]],
            post.id,
            body,
            title=change.get("title"),
            tags=change.get("tags"),
            summary=change["summary"],
        )
        post.edited_at = asked_at + timedelta(hours=change["hours"])
        post.revisions[-1].created_at = post.edited_at
        moments.append(post.edited_at)
    if deletion := data.get("deleted"):
        moderator, hours = deletion
        questions.delete(people[moderator], post.id)
        post.deleted_at = asked_at + timedelta(hours=hours)
    return moments
