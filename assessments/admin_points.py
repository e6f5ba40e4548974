"""Admin of 积分考核 (point rules and entries) and of unit assessments."""
