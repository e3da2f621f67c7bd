// Workshop manager: the parts approval queue.
import type { ScreenProps } from '../screens';
import { PartsQueueScreen } from './PartsQueue';

export default function ApprovePartsScreen(_props: ScreenProps) {
  return <PartsQueueScreen queue="APPROVAL" />;
}
