"""Identity request and response shapes. Lists and reads carry masked personal data only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from smarthall.core.contract import trimmed_strings

# Requests strip their strings; the contract says so (no whitespace at either end of a bounded text).
TRIMMED = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=trimmed_strings)


class CitizenCreate(BaseModel):
    model_config = TRIMMED

    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=15, max_length=18)
    phone: str = Field(min_length=11, max_length=11)
    password: str = Field(min_length=8, max_length=128)
    address: str | None = Field(default=None, max_length=200)
    # the SMS code from POST /citizens/phone-codes; required by the API and the register page (the service, used
    # by demo seeding and imports, does not look at it)
    phone_code: str | None = Field(default=None, max_length=6)


class PhoneCodeRequest(BaseModel):
    model_config = TRIMMED

    phone: str = Field(min_length=11, max_length=11)


class PhoneVerification(BaseModel):
    """The SMS code sent (by ``POST /citizens/phone-codes``) to the phone on the caller's own record."""

    model_config = TRIMMED

    phone_code: str = Field(min_length=6, max_length=6)


class PhoneCodeSent(BaseModel):
    expires_in: int  # seconds the code is valid
    resend_after: int  # seconds before another code may be asked for


class CitizenRead(BaseModel):
    id: int
    name_masked: str
    id_number_masked: str
    phone_masked: str


class CitizenProfile(BaseModel):
    """The citizen's own unmasked profile (reading it is audited)."""

    id: int
    name: str
    id_number: str
    phone: str
    address: str | None


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    subject_kind: str
    role: str | None = None


class StaffRead(BaseModel):
    code: str
    username: str
    name_masked: str
    role: str
    hall_code: str
    window_code: str | None
    department_code: str | None
    employee_no: str
    active: bool = True


class MeRead(BaseModel):
    kind: str
    id: int | None
    role: str | None
    username: str | None
    hall_code: str | None
    window_code: str | None
    display_name: str
    permissions: list[str]
    phone_verified: bool | None = None  # a citizen's: the phone on record was proven by an SMS code


class DeviceRead(BaseModel):
    code: str
    kind: str
    name: str
    hall_code: str
    zone_code: str | None
    window_code: str | None
    active: bool
    last_seen_at: datetime | None


class StaffCreate(BaseModel):
    """A new staff account of a hall in the caller's scope. ``id_number`` names the person behind the account."""

    model_config = TRIMMED

    username: str = Field(pattern=r"^[a-z][a-z0-9_.-]{2,63}$")
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=15, max_length=18)
    role: str = Field(max_length=16)
    hall_code: str = Field(min_length=1, max_length=32)
    code: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    window_code: str | None = Field(default=None, max_length=40)
    department_code: str | None = Field(default=None, max_length=16)
    employee_no: str = Field(default="", max_length=32)


class StaffChange(BaseModel):
    """A change of one account: its role, department, window, whether it is active; null fields stay as they are.
    ``id_number`` may be given once, for an account that has none on file."""

    model_config = TRIMMED

    role: str | None = Field(default=None, max_length=16)
    department_code: str | None = Field(default=None, max_length=16)
    window_code: str | None = Field(default=None, max_length=40)
    active: bool | None = None
    id_number: str | None = Field(default=None, min_length=15, max_length=18)
    clear_department: bool = False
    clear_window: bool = False


class StaffCreated(StaffRead):
    initial_password: str = Field(description="shown once; the member changes it at first use")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=8, max_length=128)
