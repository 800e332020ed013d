/** Spark ML stages and jobs that embed, label and index image corpora with exported SuperCLIP encoders. */
package ai.superclip.spark;
