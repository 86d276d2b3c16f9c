// The representatives capability (its route tables move here: see issue 8).
export { representativesCapability } from './routes.js';
