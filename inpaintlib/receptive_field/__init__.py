"""Receptive fields: an analytic calculator for any module, and a gradient check.

Taught in notebook 02 (``02_receptive_field.ipynb``).

The *receptive field* of a unit is the region of the input image that can change
its value. For a chain of convolutions and poolings it follows from four numbers
per layer and per axis, propagated from the input to the output:

* ``size``  -- the number of units along the axis;
* ``rf``    -- the receptive field of one unit, in input pixels;
* ``jump``  -- the distance between neighboring units, in input pixels
  (the *effective stride*);
* ``start`` -- the center of the first unit, in input pixel coordinates
  (pixel ``i`` is centered on ``i``; a half-integer center sits between pixels).

A layer with kernel ``k``, stride ``s``, padding ``p`` (``p_lo`` before, ``p_hi``
after) and dilation ``d`` has the effective kernel ``k_e = d (k - 1) + 1`` and maps
them as::

    size_out  = floor((size_in + p_lo + p_hi - k_e) / s) + 1
    rf_out    = rf_in + (k_e - 1) * jump_in
    jump_out  = jump_in * s
    start_out = start_in + ((k_e - 1) / 2 - p_lo) * jump_in

:func:`receptive_field` traces any :class:`torch.nn.Module` with :mod:`torch.fx`
and applies these rules node by node, so residual additions, channel
concatenations and products of branches are followed too (the branches must be
aligned: same size, jump and start). Layers whose geometry does not fit the rules
(transposed convolutions, adaptive pooling, upsampling, a linear layer on a
feature map, unknown functions) raise :class:`UnsupportedLayerError`, which names
the layer; ``stop_at_unsupported=True`` ends the analysis there instead, and a
flatten or reshape always ends the spatial part. Either way the table says so: the
calculator never returns a silently wrong number.

:func:`empirical_receptive_field` measures the same thing: it back-propagates from
one output unit of a float64, *linearized* copy of the network (max pooling
becomes average pooling, activations and normalizations become the identity,
weights become random positive numbers so that nothing cancels) and reports the
bounding box of the pixels with a non-zero gradient. For an interior unit it
matches the analytic box exactly; a unit near the border sees zero padding, so its
measured box is the analytic one clipped to the image.

Conventions: normalization layers are treated as per-pixel maps (their statistics
as constants), as is usual for receptive fields. The course report's patch
discriminator (four 3x3 convolutions, padding 1, strides 2, 2, 1, 2) sees 23x23
pixels with an effective stride of 8; :func:`report_recurrence` reproduces the
report's 47 by applying the backward recurrence ``r_in = s * r_out + (k - s)`` once
more than there are layers, and :func:`compare_with_report` shows both.

The package's modules, in the order they build on each other:

* :mod:`~inpaintlib.receptive_field.geometry` -- errors, the geometry of a feature map;
* :mod:`~inpaintlib.receptive_field.table` -- :class:`LayerRecord`, :class:`ReceptiveFieldTable`;
* :mod:`~inpaintlib.receptive_field.rules` -- what each layer, function and method does;
* :mod:`~inpaintlib.receptive_field.analysis` -- tracing, :func:`receptive_field`, unit regions;
* :mod:`~inpaintlib.receptive_field.recurrence` -- the report's recurrence;
* :mod:`~inpaintlib.receptive_field.gradient` -- the gradient check;
* :mod:`~inpaintlib.receptive_field.figures` -- figures and the explorer widget.
"""

from inpaintlib.receptive_field.analysis import coverage_map, receptive_field, region_fraction, unit_region
from inpaintlib.receptive_field.figures import (
    plot_patch_sizes,
    plot_receptive_field,
    plot_unit_boxes,
    receptive_field_explorer,
)
from inpaintlib.receptive_field.geometry import MisalignedBranchesError, ReceptiveFieldError, UnsupportedLayerError
from inpaintlib.receptive_field.gradient import EmpiricalReceptiveField, empirical_receptive_field, gradient_map
from inpaintlib.receptive_field.recurrence import (
    RecurrenceComparison,
    RecurrenceStep,
    RecurrenceTable,
    compare_with_report,
    report_recurrence,
)
from inpaintlib.receptive_field.table import LayerRecord, ReceptiveFieldTable

__all__ = [
    "EmpiricalReceptiveField",
    "LayerRecord",
    "MisalignedBranchesError",
    "ReceptiveFieldError",
    "ReceptiveFieldTable",
    "RecurrenceComparison",
    "RecurrenceStep",
    "RecurrenceTable",
    "UnsupportedLayerError",
    "compare_with_report",
    "coverage_map",
    "empirical_receptive_field",
    "gradient_map",
    "plot_patch_sizes",
    "plot_receptive_field",
    "plot_unit_boxes",
    "receptive_field",
    "receptive_field_explorer",
    "region_fraction",
    "report_recurrence",
    "unit_region",
]
