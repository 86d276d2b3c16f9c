// The admin capability (its route tables move here: see issue 8).
export { adminCapability } from './routes.js';
