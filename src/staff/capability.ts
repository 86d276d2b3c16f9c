// The staff capability (its route tables move here: see issue 8).
export { staffCapability } from './routes.js';
