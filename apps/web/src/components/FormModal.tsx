import { useEffect, useState, type ReactNode } from 'react';
import { Form, Modal, type FormInstance } from 'antd';
import { ErrorAlert } from './ErrorAlert';

/**
 * A dialog holding a form: each time it opens the form is reset (to `initial`); OK validates, then
 * calls `onSubmit` once at a time (the button spins), and a failure (the server's problem) is shown
 * inside the dialog, which stays open. Closing is the caller's (`onSubmit` usually closes it).
 */
export function FormModal<V extends object>(props: {
  open: boolean;
  title: ReactNode;
  okText: string;
  cancelText: string;
  form: FormInstance<V>;
  initial?: Partial<V>;
  onSubmit: (values: V) => Promise<void>;
  onClose: () => void;
  lead?: ReactNode;
  width?: number;
  okTestId?: string;
  formTestId?: string;
  children: ReactNode;
}) {
  const { open, form, initial, onSubmit } = props;
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!open) return;
    form.resetFields();
    if (initial) form.setFieldsValue(initial as Parameters<FormInstance<V>['setFieldsValue']>[0]);
    setError(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, form]);
  const submit = async () => {
    let values: V;
    try {
      values = await form.validateFields();
    } catch {
      return; // the fields show what is wrong
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(values);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={open}
      title={props.title}
      okText={props.okText}
      cancelText={props.cancelText}
      onCancel={props.onClose}
      onOk={() => void submit()}
      confirmLoading={busy}
      width={props.width}
      okButtonProps={props.okTestId ? ({ 'data-testid': props.okTestId } as never) : undefined}
    >
      {props.lead}
      <ErrorAlert error={error} onClose={() => setError(null)} />
      <Form form={form} layout="vertical" data-testid={props.formTestId}>
        {props.children}
      </Form>
    </Modal>
  );
}
