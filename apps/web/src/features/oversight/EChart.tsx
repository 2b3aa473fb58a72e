/**
 * A small React wrapper over ECharts (modular build: only the charts and components used here).
 * The container is labelled for screen readers; ECharts' own aria description is on.
 */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, MapChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent, VisualMapComponent, AriaComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, MapChart, GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent, VisualMapComponent, AriaComponent, CanvasRenderer]);

export { echarts };

export function EChart({ option, height = 260, label, onClick, testId }: { option: Record<string, unknown>; height?: number; label: string; onClick?: (p: { name?: string; data?: unknown; dataIndex?: number }) => void; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(onClick);
  click.current = onClick;
  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current);
    chart.current = c;
    c.on('click', (p) => click.current?.(p as never));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ aria: { enabled: true }, animation: false, ...option }, true);
  }, [option]);
  return <div ref={el} role="img" aria-label={label} data-testid={testId} style={{ width: '100%', height }} />;
}
