import { Table, type TableProps } from 'antd';
import { ScrollRegion } from './ScrollRegion';

/**
 * An antd table that never makes the page wider than the screen: on a narrow screen it scrolls
 * sideways inside a labelled region that keyboard users can focus (see ScrollRegion). `label`
 * names the table for screen readers (the region's name). Do not pass `scroll.x`: antd's own
 * scroll container is not focusable.
 */
export function DataTable<T extends object>({ label, ...props }: TableProps<T> & { label: string }) {
  return (
    <ScrollRegion label={label}>
      <Table<T> {...props} />
    </ScrollRegion>
  );
}
