"""Results and e-licences: signed PDF documents with a QR code, public verification, the e-licence wallet."""
