export const placeholder = true;
export { planSetImage, findImageOccurrences } from './core/set-image.js';
export type { ImageChange, FileInput, ImageOccurrence, FileChange, FilePlan, SetImagePlan } from './core/set-image.js';
