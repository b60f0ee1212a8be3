"""Unit economics of one leased GPU server: assumptions, schedules, margins, returns and the utilisation solver."""
