import type { AppSpec, DigestChange } from '../../machines/types.js';
import type { EnginePort } from '../engine/port.js';
import type { Logger } from '../log.js';
import { asksRegistry, digestOfferFor, type DigestOffer } from './digest-offer.js';
import type { TagDigestOptions } from './tag-digest.js';

export interface RegistryWiringDeps {
  engine: Pick<EnginePort, 'containerImage'>;
  insecureRegistries?: readonly string[];
  /** For tests and embedders: another fetch, another timeout. */
  registry?: Omit<TagDigestOptions, 'insecureRegistries'>;
  logger: Logger;
  /** The installed apps' manifests in force. */
  installed(): AppSpec[];
}

/** What the orchestrator asks registries: the offers `podwarden outdated` lists, the new digest `podwarden update` takes. */
export function createRegistryWiring(deps: RegistryWiringDeps) {
  const options: TagDigestOptions = { ...deps.registry, insecureRegistries: deps.insecureRegistries };
  return {
    /** Every installed app whose image comes from a registry by tag, asked at once (each answer bounded). */
    imageOffers(): Promise<DigestOffer[]> {
      return Promise.all(
        deps
          .installed()
          .filter(asksRegistry)
          .map((spec) => digestOfferFor(spec, deps.engine, options)),
      );
    },
    /** Another image behind the app's tag than the one it runs; undefined when the same, or unknown (logged). */
    async newDigest(spec: AppSpec): Promise<DigestChange | undefined> {
      if (!asksRegistry(spec)) return undefined;
      const offer = await digestOfferFor(spec, deps.engine, options);
      if (offer.problem !== undefined) {
        deps.logger.warn(
          { app: spec.appId, image: spec.image.ref, problem: offer.problem },
          'could not compare the image with the registry: the update takes the manifest alone',
        );
        return undefined;
      }
      if (!offer.newer || offer.offered === undefined || offer.runningImageId === undefined) return undefined;
      return {
        ...(offer.running !== undefined ? { from: offer.running } : {}),
        fromImageId: offer.runningImageId,
        to: offer.offered,
      };
    },
  };
}
