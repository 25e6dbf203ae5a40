"""Synthetic words for the demo's completed audits: descriptors, reflections, feedback,
recommendations. Written for the demo; no real case, person or council is described."""

from __future__ import annotations

import random

from rules.completion import CompletionDetails, FeedbackEntry, ReflectionAnswers

DESCRIPTORS = {
    "outstanding": [
        "Purposeful direct work; the plan is driven forward and reviewed with the family.",
    ],
    "good": [
        "Visits and reviews on time; supervision reflective and the plan progressing.",
        "Assessment current and analytical; partners contribute to the plan.",
        "Timely response to each episode, with follow-up visits to reduce the risks.",
    ],
    "requires_improvement": [
        "Some good practice but not consistent; reviews delayed and the plan drifting.",
        "Safety plan gives an overview of the risks but not who supports the child, or how.",
        "Supervision irregular; assessment does not analyse all the information available.",
    ],
    "inadequate": [
        "Visits and reviews not within timescales; supervision not addressing the drift.",
        "Actions to safeguard delayed and not addressing the risks; no reviews held.",
    ],
}
REFLECTIONS = {
    "done_well": [
        "Building a trusting relationship with the young person.",
        "Working with the wider family network.",
        "Timely multi-agency meetings.",
    ],
    "challenges": [
        "Caseload pressures and remote working.",
        "Engaging a parent who does not want the service.",
        "Changes of social worker over the year.",
    ],
    "enough_tools": [
        "Yes, with good support from the manager.",
        "Mostly; more training on life story work would help.",
    ],
    "do_differently": [
        "Intervene earlier to prevent the placement breaking down.",
        "More shadowing to understand the processes.",
        "Think more widely about engaging children who go missing.",
    ],
}
FEEDBACK = {
    "strength": [
        "The social worker is open and honest with us and keeps us informed.",
        "They helped us restart contact after a long time.",
        "My worker listens to me and does what she says she will.",
    ],
    "improvement": [
        "We would like minutes of meetings sooner.",
        "It was hard to reach anyone when the social worker was away.",
    ],
}
RECOMMENDATIONS = [
    (True, "Managers to hold supervision in line with timescales, evidencing reflective "
     "discussion, the impact of intervention and decisions where there is drift or delay."),
    (True, "Management oversight to be recorded for significant events and overdue tasks, with "
     "the rationale for decisions and timescales."),
    (False, "Team Managers to block out time for the audit each month, plan the case reflection "
     "meeting, and ask for exemptions and extensions in good time."),
    (False, "Highlight reports to be shared with directors and all frontline teams and "
     "discussed in area meetings."),
]  # fmt: skip
COMMENTARY = (
    "Too much practice is still judged inadequate in this theme. Managers and practitioners "
    "are asked to focus on timely reviews and supervision that addresses drift."
)


def completion_details(cohort: str, judgement: str, rng: random.Random) -> CompletionDetails:
    """A completed audit's words: a descriptor for its judgement, the four reflection answers,
    and now and then feedback from the family or a partner."""
    reflection = ReflectionAnswers(*(rng.choice(REFLECTIONS[k]) for k in REFLECTIONS))
    feedback = tuple(
        FeedbackEntry(
            rng.choice(("parent", "child", "carer", "partner_agency")),
            kind,
            rng.choice(FEEDBACK[kind]),
        )  # fmt: skip
        for kind in ("strength", "improvement")
        if rng.random() < (0.3 if kind == "strength" else 0.15)
    )
    finding = ((cohort, rng.choice(DESCRIPTORS[judgement])),)
    return CompletionDetails(finding, reflection, feedback)
