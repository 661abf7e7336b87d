"""Which handover a clue came from. Complaints hands complaints to cases in two ways: an escalated complaint
becomes a clue of source `complaint` whose reference is the complaint's id, and a cluster alert a clue of source
`cluster` whose reference is the cluster id (`<cluster_id>:<count>` for a new clue on a cluster whose first clue
was dismissed). What cases did with a clue, or with the case it was filed in, is applied only to the complaints
handed over under that clue's source; any other clue citing them changes nothing."""

Handover = tuple[str, str]  # (source, reference)


def handover_of(source: str | None, source_ref: str | None) -> Handover | None:
    """The handover a clue with this source and reference came from; None for a clue from anywhere else."""
    if not source_ref:
        return None
    if source == "complaint":
        return "complaint", source_ref
    if source == "cluster":
        return "cluster", source_ref.split(":", 1)[0]
    return None
