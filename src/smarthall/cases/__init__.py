"""Cases (办件): smart declaration, pre-check and acceptance, approval and instant approval, time limits."""
