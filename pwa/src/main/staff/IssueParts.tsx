// Warehouse manager: approved parts requests waiting to be issued.
import type { ScreenProps } from '../screens';
import { PartsQueueScreen } from './PartsQueue';

export default function IssuePartsScreen(_props: ScreenProps) {
  return <PartsQueueScreen queue="ISSUE" />;
}
