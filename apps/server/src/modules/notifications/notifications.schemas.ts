import { Type } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Bilingual = Type.Object({ zh: Type.String(), en: Type.String() });
export const Channel = Type.Union([Type.Literal('sms'), Type.Literal('email')]);
export const Locale = Type.Union([Type.Literal('zh'), Type.Literal('en')]);

export const NotificationSchema = Type.Object({
  id: Type.String(),
  template: Type.String({ description: 'template code, e.g. application.accepted' }),
  title: Bilingual,
  body: Bilingual,
  link: Nullable(Type.String()),
  createdAt: Type.String(),
  readAt: Nullable(Type.String()),
  deliveries: Type.Array(
    Type.Object({
      channel: Channel,
      status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed'), Type.Literal('skipped')]),
      sentAt: Nullable(Type.String()),
    }),
  ),
});

export const InboxQuery = Type.Object(
  {
    unread: Type.Optional(Type.Boolean({ description: 'only unread notifications' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
  },
  { additionalProperties: false },
);

export const InboxResponse = Type.Object({ items: Type.Array(NotificationSchema), total: Type.Integer(), unread: Type.Integer() });
export const UnreadResponse = Type.Object({ count: Type.Integer() });
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const ReadResponse = Type.Object({ id: Type.String(), readAt: Type.String() });
export const ReadAllResponse = Type.Object({ updated: Type.Integer() });

export const PreferencesSchema = Type.Object(
  {
    locale: Locale,
    sms: Type.Boolean({ description: 'receive SMS (the inbox is always on)' }),
    email: Type.Boolean({ description: 'receive e-mail' }),
  },
  { additionalProperties: false },
);

const Texts = (title: number, body: number, sms: number) =>
  Type.Object(
    {
      title: Type.String({ minLength: 1, maxLength: title }),
      body: Type.String({ minLength: 1, maxLength: body }),
      sms: Type.String({ minLength: 1, maxLength: sms, description: 'SMS text (keep it short: 70 characters make one message)' }),
    },
    { additionalProperties: false },
  );

export const TemplateSchema = Type.Object({
  code: Type.String(),
  description: Type.String(),
  params: Type.Array(Type.String(), { description: 'placeholders the texts may use, as {{name}}' }),
  channels: Type.Array(Channel),
  zh: Type.Object({ title: Type.String(), body: Type.String(), sms: Type.String() }),
  en: Type.Object({ title: Type.String(), body: Type.String(), sms: Type.String() }),
  version: Type.Integer(),
  updatedAt: Type.String(),
  updatedBy: Nullable(Type.String()),
});

export const TemplateParams = Type.Object({ code: Type.String({ pattern: '^[a-z][a-z0-9_.]{1,63}$' }) });

export const TemplateUpdateBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'the version being edited (optimistic concurrency)' }),
    channels: Type.Array(Channel, { uniqueItems: true, maxItems: 2, description: 'external channels besides the inbox' }),
    zh: Texts(100, 2000, 300),
    en: Texts(200, 4000, 600),
  },
  { additionalProperties: false },
);
