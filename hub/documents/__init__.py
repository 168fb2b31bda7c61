"""Documents: write simple OFD files, sign OFD and PDF with a visible seal, verify PDF.

`ofd_writer` makes an OFD from text; `ofd_sign` adds a GB/T 38540 seal signature to an
OFD (laid out like the vendors' files); `pdf_sign` / `pdf_verify` do the same for PDF;
`templates` is the application center's pure part (templates, filling, signing order).
The signing itself goes through a `SignTbs` or `SignDigest` callable (`signer`); over
HTTP, `service.DocumentService` signs through the hub's signing service
(`controllers`: /api/v1/documents and /api/v1/applications).
"""
