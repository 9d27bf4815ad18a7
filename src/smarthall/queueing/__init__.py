"""智能取叫号: tickets, routing, calling, boards, voice, wait estimates."""
