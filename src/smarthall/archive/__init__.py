"""Electronic archiving of finished cases (智能归档): BagIt packages, four-property checks, retention, disposal."""
