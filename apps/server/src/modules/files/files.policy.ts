/**
 * Who may read a stored material. The owner (the subject the uploader acted for: themselves, their
 * enterprise, or their principal; a window clerk for the scans they take at the counter) always
 * may. Everyone else only through a rule another module adds: the applications module grants the
 * officers of the departments handling an application, and its applicant (their agent, their
 * enterprise's staff), the materials cited in it, whoever uploaded them, e.g.
 *
 *   app.services.files.policy.allowRead(async (actor, file) =>
 *     !!actor.departmentId && (await applicationsRepo.departmentCitesFile(db, actor.departmentId, file.id)));
 *
 * Rules only widen access; none can take the owner's away.
 */
import { subjectOf, type Actor } from '../../shared/actor';

export interface FileRecord {
  id: string;
  ownerId: string;
  sha256: string;
  mediaType: string;
}

export type FileReadRule = (actor: Actor, file: FileRecord) => boolean | Promise<boolean>;

export class FilePolicy {
  private readonly rules: FileReadRule[] = [];

  allowRead(rule: FileReadRule): void {
    this.rules.push(rule);
  }

  isOwner(actor: Actor, file: FileRecord): boolean {
    return file.ownerId === subjectOf(actor);
  }

  async canRead(actor: Actor, file: FileRecord): Promise<boolean> {
    if (this.isOwner(actor, file)) return true;
    for (const rule of this.rules) if (await rule(actor, file)) return true;
    return false;
  }
}
