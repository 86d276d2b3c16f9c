// The newsletters capability (its route tables move here: see issue 8).
export { newslettersCapability } from './routes.js';
