"""Operations (智能化运营, requirements §10): the hall's arrival process, forecasts, staffing and, later, facts,
live dispatch, dashboards and push.

Phase 1 holds the pure core only (no I/O): ``calendar`` (what a day is on the official calendar), ``arrivals`` (the
true arrival process the history generator draws from), ``simulate`` (a hall day, with common random numbers),
``erlang`` (Erlang C in log space), ``staffing`` (SIPP, Lag-SIPP, square-root and simulation-checked plans),
``forecast`` (arrivals per hall × day × hour with prediction intervals) and ``daytypes`` (the benchmark days).
The domain is wired into the app (``register``) when its integration lands.
"""
