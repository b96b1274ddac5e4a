// The one password rule, for admin.password in the YAML and every password chosen in the UI
// (issue #14 item 8). Its own file so the UI's shared types (src/http/api-types.ts) can use it
// without the config schema's Node imports.
export const MIN_ADMIN_PASSWORD_LENGTH = 12;
