/** Where the admin console is served. */
export const CONSOLE_PATH = '/admin/console';
