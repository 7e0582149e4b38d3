from protocol.layout import Aggregate, VectorBuilder, layout_for


def test_wide_blocks_round_trip_signed_values():
    layout = layout_for()
    builder = VectorBuilder(layout)
    values = [(-1) ** i * (i * 10**30 + 7) for i in range(270)]
    builder.set("comp_sumsq", values)
    assert list(Aggregate(layout, builder.elements()).get("comp_sumsq").ravel()) == values
