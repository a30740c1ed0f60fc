/** The columns Jira issues and Azure DevOps work items share (SEI lists both with the same model). */
import { type Field, textColumns } from './fields.js';

/** Their text columns, with each tool's own names for the item type and the parent item. */
export function trackerTextColumns(typeColumn: string, parentColumn: string): Field[] {
  return textColumns(
    'id',
    'project',
    'summary',
    'status',
    'status_category',
    typeColumn,
    'priority',
    'assignee',
    'assignee_id',
    'reporter',
    'reporter_id',
    'epic',
    parentColumn,
  );
}
