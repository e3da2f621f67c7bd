// Screens of the site manager, workshop manager, warehouse manager, billing and admin (owned by the staff screens).
import type { ScreenDef } from '../screens';

export const staffScreens: ScreenDef[] = [];
