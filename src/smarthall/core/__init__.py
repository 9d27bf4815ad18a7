"""Cross-cutting infrastructure with no business rules: settings, database, errors, crypto, clock, i18n."""
