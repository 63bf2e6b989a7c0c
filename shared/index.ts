export * from './roles.js';
export * from './errors.js';
export * from './auth.js';
export * from './people.js';
export * from './password.js';
export * from './settings.js';
export * from './recovery.js';
export * from './staff.js';
