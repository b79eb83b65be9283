/**
 * Availability Zone names as people mistype them: "eu-west-1A" (the console shows no case, AWS's
 * names are lower case), "1a" or "a" (the letter alone), "use1-az1" (an AZ ID, which names a
 * different zone in each account than the same-looking name). Each gets a message with the name
 * to write, instead of a pattern.
 */

/** AZ IDs: "use1-az1", "euw1-az3", "usw2-lax1-az1" (Local Zones). */
const AZ_ID = /^[a-z]{2,4}\d+(-[a-z]+\d+)?-az\d+$/i;

/**
 * Why `az` is not an AZ name of `region`, with what to write; undefined when it is one
 * ("<region><letter>").
 */
export function azNameProblem(az: string, region: string): string | undefined {
  if (new RegExp(`^${region}[a-z]$`).test(az)) return undefined;
  if (new RegExp(`^${region}[a-z]$`, "i").test(az)) {
    return `"${az}": AZ names are lower case; write "${az.toLowerCase()}"`;
  }
  if (/^(\d+)?[a-z]$/i.test(az)) {
    return `"${az}" is not a full AZ name; write the region and the letter, e.g. "${region}${az.slice(-1).toLowerCase()}"`;
  }
  if (AZ_ID.test(az)) {
    return (
      `"${az}" is an AZ ID; write the AZ name, e.g. "${region}a" (IDs map to different names in each account: ` +
      "aws ec2 describe-availability-zones shows both)"
    );
  }
  return `"${az}" is not an AZ of region "${region}" (expected "${region}" plus a letter, e.g. "${region}a")`;
}
