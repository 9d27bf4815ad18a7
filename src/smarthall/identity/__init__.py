"""Identity: staff accounts (工作人员) with roles scoped to a hall, citizen accounts (群众/企业实名用户), devices
(取号机 kiosk, 显示屏 display, 窗口评价器 window pad) with keys, login, tokens and the permission table.

Roles and what they may do are in ``permissions.py``, the one place where access is decided.
"""
