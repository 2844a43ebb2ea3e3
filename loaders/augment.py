"""Compatibility names: the stream's resize + rotation and its reduction moved to :mod:`cytoimagenet.augment`, below
the builder, which writes the training-size shards with the same reduction. New code imports from there."""

from cytoimagenet.augment import (  # noqa: F401
    BACKENDS, Workspace, _box_reduce, _reduce_factors, cv2, default_backend, inverse_matrix, reduced_shape,
    resize_rotate, resize_rotate_uint8,
)
