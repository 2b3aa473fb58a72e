import { ServiceBoard } from '../../../features/oversight/pages';

/** 诉求统计 (/oversight/inquiries): the three rates of 12345 (the same declared board as reviews). */
export default function OversightInquiries() {
  return <ServiceBoard focus="inquiries" />;
}
