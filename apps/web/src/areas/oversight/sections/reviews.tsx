import { ServiceBoard } from '../../../features/oversight/pages';

/** 好差评统计 (/oversight/reviews): the review and 12345 board. */
export default function OversightReviews() {
  return <ServiceBoard focus="reviews" />;
}
