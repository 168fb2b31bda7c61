"""Documents: write simple OFD files, sign OFD and PDF with a visible seal, verify PDF.

`ofd_writer` makes an OFD from text; `ofd_sign` adds a GB/T 38540 seal signature to an
OFD (laid out like the vendors' files); `pdf_sign` / `pdf_verify` do the same for PDF.
The signing itself always goes through a `SignTbs` callable so the hub can route it to
the seal's vendor.
"""
