"""Datasets for the workbook: image folders, monet2photo, the offline default, splits, amplification.

Taught in notebook 00 (``00_data.ipynb``).

Everything yields float32 images ``(3, H, W)`` in ``[0, 1]``, read from disk one item at a time.

>>> from inpaintlib.data import load_dataset, make_loader
>>> split = load_dataset("auto", domain="photo", size=128)   # doctest: +SKIP
>>> loader = make_loader(split.train, batch_size=32, seed=0)  # doctest: +SKIP

Modules
-------
images         reading files (any mode -> RGB), resize + crop, :class:`ImageFolderDataset`
layouts        CycleGAN / Kaggle / ``monet/ + photo/`` / plain folder; finding a local monet2photo
sample         the offline default: crops of the photos bundled with scikit-image
load           :func:`load_dataset`, :class:`DatasetSplit` (train / validation / test, 70/15/15),
               :func:`split_indices`, :func:`split_sizes`
normalization  ImageNet :func:`normalize` / :func:`denormalize`
amplify        :class:`AmplifiedDataset` (AutoAugment, RandAugment, TrivialAugment), :func:`preview_views`,
               :func:`describe_policy`, :func:`policy_operations`
loaders        :func:`make_loader`

Downloading monet2photo lives in :mod:`inpaintlib.download`.
"""

from .amplify import (
    POLICIES,
    AmplifiedDataset,
    augment_view,
    augmentation_policy,
    describe_policy,
    policy_operations,
    preview_views,
)
from .images import (
    IMAGE_EXTENSIONS,
    MAX_PIXELS,
    ImageFolderDataset,
    ImageTooLargeError,
    UnreadableImageError,
    UnreadableImageWarning,
    check_image,
    check_pixel_budget,
    is_image_file,
    list_images,
    load_image,
    open_image,
    read_rgb,
    resize_and_crop,
    stack_images,
    to_rgb,
)
from .layouts import DOMAINS, Layout, canonical_domain, find_layout, find_monet2photo, monet2photo_candidates
from .load import SOURCES, DatasetSplit, image_names, load_dataset, split_indices, split_sizes
from .loaders import EpochLoader, make_loader, set_epoch
from .normalization import IMAGENET_MEAN, IMAGENET_STD, denormalize, normalize
from .sample import DEFAULT_SAMPLE_COUNT, SAMPLE_PHOTOS, SampleDataset, sample_images, sample_sources

__all__ = [
    "AmplifiedDataset",
    "DEFAULT_SAMPLE_COUNT",
    "DOMAINS",
    "DatasetSplit",
    "EpochLoader",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "IMAGE_EXTENSIONS",
    "ImageFolderDataset",
    "Layout",
    "POLICIES",
    "SAMPLE_PHOTOS",
    "SOURCES",
    "SampleDataset",
    "UnreadableImageWarning",
    "augment_view",
    "augmentation_policy",
    "canonical_domain",
    "check_image",
    "denormalize",
    "describe_policy",
    "find_layout",
    "find_monet2photo",
    "image_names",
    "ImageTooLargeError",
    "UnreadableImageError",
    "MAX_PIXELS",
    "check_pixel_budget",
    "open_image",
    "is_image_file",
    "list_images",
    "load_dataset",
    "load_image",
    "make_loader",
    "set_epoch",
    "monet2photo_candidates",
    "normalize",
    "policy_operations",
    "preview_views",
    "read_rgb",
    "resize_and_crop",
    "sample_images",
    "sample_sources",
    "split_indices",
    "split_sizes",
    "stack_images",
    "to_rgb",
]
