// Django's UnicodeUsernameValidator (\w plus @ . + -), shared by sign-up, user updates and the Django import.
export const USERNAME_PATTERN = /^[\p{L}\p{N}_@.+-]+$/u;
