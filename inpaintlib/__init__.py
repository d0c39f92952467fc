"""inpaintlib: image inpainting with Context Encoders, as a workbook and a library.

Taught across the workbook, from notebook 00 (``00_data.ipynb``) on: each notebook imports the modules it teaches.

The library follows one set of conventions (see ``README.md``):

* images are float tensors shaped ``(N, 3, H, W)`` with values in ``[0, 1]``;
  ImageNet normalization happens inside the models that need it;
* a mask is shaped ``(H, W)`` for one image or ``(N, 1, H, W)`` for a batch,
  and **1/True marks a missing pixel**;
* an ``int`` seed or a ``torch.Generator`` makes every random draw reproducible;
* everything runs on the CPU or a GPU through one ``device`` argument
  (``"auto"`` picks CUDA when present).
"""

__version__ = "0.1.0"
