from hypothesis import given
from hypothesis import strategies as st

from onevisit.intake.rules import Judged, Requirement, Verdict, judged, review

ID = Requirement("id", "身份证", tolerable=False)
PHOTO = Requirement("photo", "照片", tolerable=True)


def test_verdicts():
    assert review([ID, PHOTO], ["id", "photo"]).verdict is Verdict.COMPLETE
    assert review([ID, PHOTO], ["id"]).verdict is Verdict.TOLERANCE
    incomplete = review([ID, PHOTO], ["photo"])
    assert incomplete.verdict is Verdict.INCOMPLETE and not incomplete.gets_ticket
    assert incomplete.missing == (ID,)


@given(st.lists(st.tuples(st.booleans(), st.booleans()), max_size=8))
def test_missing_is_exactly_what_was_not_ticked(spec):
    reqs = [Requirement(f"m{i}", f"材料{i}", tolerable) for i, (tolerable, _) in enumerate(spec)]
    present = [r.code for r, (_, have) in zip(reqs, spec, strict=True) if have]
    result = review(reqs, present)
    assert {r.code for r in result.missing} == {r.code for r in reqs} - set(present)
    assert result.gets_ticket == all(r.tolerable for r in result.missing)


def test_the_desks_state_of_each_material_for_the_snapshot():
    def state(code, shared=False, verdict=Verdict.TOLERANCE):
        return judged(
            code, shared=shared, present={"a"}, missing={"b"}, not_applicable={"c"}, verdict=verdict
        )

    assert state("a") is Judged.BROUGHT and state("c") is Judged.NOT_APPLICABLE
    assert state("b") is Judged.TOLERATED and state("b", verdict=Verdict.INCOMPLETE) is Judged.MISSING
    assert state("a", shared=True) is Judged.SHARED
